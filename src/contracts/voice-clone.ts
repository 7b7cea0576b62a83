// The single-flight clone job per caller, shared by every call from that caller.

export interface VoiceCloneInput {
  /** Caller in E.164; also the workflow id: `clone-<callerE164>`. */
  callerId: string;
  cacheTtlSeconds: number;
  /** Per-attempt limit of the clone request at ElevenLabs. */
  cloneTimeoutSeconds: number;
}

export type VoiceCloneFailureReason = 'no_sample' | 'clone_failed';

/** What a waiting call learns from the clone job. */
export type VoiceCloneResult =
  | { ok: true; callerId: string; voiceId: string; source: 'cache' | 'clone'; cloneDurationMs: number | null; completedAt: string }
  | { ok: false; callerId: string; reason: VoiceCloneFailureReason; message: string; completedAt: string };

export interface VoiceCloneSubscription {
  callWorkflowId: string;
}

export interface VoiceCloneStatus {
  callerId: string;
  state: 'cloning' | 'ready' | 'failed';
  startedAt: string;
  subscribers: string[];
  result: VoiceCloneResult | null;
}

export function voiceCloneWorkflowId(callerE164: string): string {
  return `clone-${callerE164}`;
}
