export { startElevenLabsSandbox, type ElevenLabsSandbox, type SandboxRuntimeConfig } from './server';
export * from './types';
export type { SandboxVoice } from './voices';
export { PREMADE_VOICES } from './voices';
export type { SandboxConversation } from './conversations';
