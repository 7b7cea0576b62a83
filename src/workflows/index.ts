// The workflow bundle's entry point: every workflow type the worker registers.
export { cacheCleanupWorkflow } from './cache-cleanup';
export { callWorkflow } from './call';
export { voiceCloneWorkflow } from './voice-clone';
