// The workflow bundle's entry point: every workflow type the worker registers.
export { callWorkflow } from './call';
export { voiceCloneWorkflow } from './voice-clone';
