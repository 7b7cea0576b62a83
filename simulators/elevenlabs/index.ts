export { startElevenLabsSandbox, type ElevenLabsSandbox } from './sandbox';
export type { SandboxRuntimeConfig } from './config';
export * from './types';
export {
  AGENT_AUDIO_FORMATS,
  DEFAULT_AGENT_ID,
  RACHEL_VOICE_ID,
  defaultAgentSettings,
  type AgentOverridePermissions,
  type SandboxAgentPatch,
  type SandboxAgentSettings,
  type StoredAgent,
} from './agents/settings';
export { PREMADE_VOICES, type SandboxVoice } from './voices/store';
export { conversationAudio, type SandboxAudioChunk, type SandboxConversation, type SandboxPhoneCall, type SandboxTurn } from './conversations/model';
export type { SipCall } from './sip/sip-call';
export type { SipInvite, SipInviteResult } from './sip/invite';
export { decodeMulaw, encodeMulaw } from './audio-format/mulaw';
