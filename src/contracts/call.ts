// What the call workflow, its activities, the worker and the API share about a call.

export const CALL_PHASES = [
  'received',
  'greeting',
  'cloning',
  'awaiting_operator',
  'transferring',
  'in_agent_call',
  'completed',
  'failed',
  'cancelled',
] as const;
export type CallPhase = (typeof CALL_PHASES)[number];
export const TERMINAL_PHASES: readonly CallPhase[] = ['completed', 'failed', 'cancelled'];

export type VoiceSource = 'cache' | 'clone' | 'default';
/** Why the default voice was used. `caller_withheld` covers withheld and unusable numbers. */
export const FALLBACK_REASONS = ['clone_timeout', 'clone_failed', 'no_sample', 'caller_withheld', 'internal_caller', 'operator_requested'] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

/** How the caller's number arrived and what we made of it. */
export interface CallerNumber {
  /** Exactly what 3CX sent. */
  raw: string;
  /** E.164 form, or null when the number is withheld, internal or not a phone number. */
  e164: string | null;
  kind: 'external' | 'withheld' | 'internal' | 'invalid';
}

/** Settings the workflow needs, captured at start so history alone explains each decision. */
export interface CallSettings {
  greetingVoiceId: string;
  greetingMessage: string;
  holdMusicUrl: string | null;
  defaultVoiceId: string;
  transferMessage: string;
  cloneMaxWaitSeconds: number;
  autoTransitionEnabled: boolean;
  maxCallDurationSeconds: number;
  /** How long after the caller hangs up the call waits for ElevenLabs' post-call data. */
  postCallGraceSeconds: number;
  cacheTtlSeconds: number;
  /** Per-attempt limit of one clone request at ElevenLabs. */
  cloneTimeoutSeconds: number;
}

export interface CallInput {
  /** Our call id; also the workflow id: `call-<pbx>-<3cxCallId>`. */
  callId: string;
  pbx: string;
  threecxCallId: string;
  caller: CallerNumber;
  calledNumber: string;
  direction: 'In' | 'Out';
  /** ISO time at which 3CX says the call arrived. */
  occurredAt: string;
  /** ISO time at which our webhook received it. */
  receivedAt: string;
  /**
   * What ElevenLabs dials to reach this caller (ELEVENLABS_DIAL_TARGET filled in); null when the
   * template needs the caller's number and it is withheld.
   */
  dialTarget: string | null;
  settings: CallSettings;
}

/** 3CX reports that the caller hung up. */
export interface CallEndedEvent {
  endedAt: string;
  durationSeconds: number | null;
  reason: string | null;
  /** 3CX's recording of the call, when it sends one. */
  recordingUrl?: string | null;
}

/** Post-call data from ElevenLabs for one of the call's conversations. */
export interface CallCompletedEvent {
  conversationId: string;
  kind: 'post_call_transcription' | 'call_initiation_failure';
  status: string;
  durationSeconds: number | null;
  transcript: string | null;
  failureReason: string | null;
}

/** Why a call failed (phase `failed`), machine-readable. */
export type CallFailureReason = 'no_dialable_number' | 'greeting_failed' | 'greeting_not_connected' | 'transfer_failed' | 'agent_call_not_connected';

export interface CallStatus {
  callId: string;
  pbx: string;
  threecxCallId: string;
  phase: CallPhase;
  caller: CallerNumber;
  calledNumber: string;
  voice: { source: VoiceSource | null; voiceId: string | null; fallbackReason: FallbackReason | null };
  conversations: { greeting: string | null; agent: string | null };
  /** ISO timestamps of each step reached so far. */
  steps: Partial<Record<CallStep, string>>;
  failureReason: CallFailureReason | null;
  lastError: string | null;
  /** The last state 3CX reported (CallStateChanged), with when. */
  threecxState: { state: string; at: string } | null;
  /** Operator signals received (use default voice, retry clone, transfer now), in order. */
  operatorActions: { action: OperatorAction; at: string }[];
}

export type OperatorAction = 'useDefaultVoiceNow' | 'retryClone' | 'transferNow';

export type CallStep = 'received' | 'recorded' | 'greeting' | 'cloning' | 'voiceReady' | 'transferring' | 'transferred' | 'callerHungUp' | 'ended';

export type CallOutcome = Pick<CallStatus, 'callId' | 'phase' | 'voice' | 'conversations' | 'steps' | 'failureReason' | 'lastError'>;

export const CALL_LOG_STATUSES = ['initiated', 'completed', 'failed', 'cancelled'] as const;
export type CallLogStatus = (typeof CALL_LOG_STATUSES)[number];

/** `call-<pbx>-<3cxCallId>`: 3CX call ids are small integers unique only per PBX. */
export function callWorkflowId(pbx: string, threecxCallId: string): string {
  return `call-${pbx}-${threecxCallId}`;
}
