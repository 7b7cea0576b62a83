// The single-flight clone job per caller, shared by every call from that caller.

export interface VoiceCloneInput {
  /** Caller in E.164 (the workflow id holds only a hash of it: see temporal/caller-key.ts). */
  callerId: string;
  cacheTtlSeconds: number;
  /** Per-attempt limit of the clone request at ElevenLabs. */
  cloneTimeoutSeconds: number;
  /** Clone only when the caller's consent is recorded and not withdrawn (REQUIRE_CLONE_CONSENT). */
  requireConsent: boolean;
  /** A clone may need a voice slot: voices of calls started within this are in use, never evicted. */
  maxCallDurationSeconds: number;
}

export type VoiceCloneFailureReason = 'no_sample' | 'no_consent' | 'clone_failed';

/** What a waiting call learns from the clone job. */
export type VoiceCloneOutcome =
  | { ok: true; callerId: string; voiceId: string; source: 'cache' | 'clone'; cloneDurationMs: number | null; completedAt: string }
  | { ok: false; callerId: string; reason: VoiceCloneFailureReason; message: string; completedAt: string };

export type VoiceCloneResult = VoiceCloneOutcome & {
  /** The subscription this answers (a call ignores answers to its earlier requests). */
  requestId: string | null;
};

export interface VoiceCloneSubscription {
  callWorkflowId: string;
  /** Chosen by the call per request; echoed in the result. */
  requestId: string;
  /** The call asks again after a failure: a job still holding a failed result clones once more. */
  retry: boolean;
}

export interface VoiceCloneStatus {
  callerId: string;
  state: 'cloning' | 'ready' | 'failed';
  startedAt: string;
  subscribers: string[];
  result: VoiceCloneResult | null;
}

/** The clone job's signature, for starting it by name without importing workflow code. */
export type VoiceCloneWorkflow = (input: VoiceCloneInput) => Promise<VoiceCloneResult>;
