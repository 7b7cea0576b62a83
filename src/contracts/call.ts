// What the call workflow, its activities, the worker and the API share about a call.

export const CALL_PHASES = ['received', 'greeting', 'cloning', 'transferring', 'in_agent_call', 'completed', 'failed', 'cancelled'] as const;
export type CallPhase = (typeof CALL_PHASES)[number];
export const TERMINAL_PHASES: readonly CallPhase[] = ['completed', 'failed', 'cancelled'];

export type VoiceSource = 'cache' | 'clone' | 'default';
export type FallbackReason = 'clone_timeout' | 'clone_failed' | 'no_sample' | 'caller_withheld' | 'operator_requested';

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
  settings: CallSettings;
}

/** 3CX reports that the caller hung up. */
export interface CallEndedEvent {
  endedAt: string;
  durationSeconds: number | null;
  reason: string | null;
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
  steps: Partial<Record<'received' | 'recorded' | 'greeting' | 'cloning' | 'voiceReady' | 'transferred' | 'ended', string>>;
  lastError: string | null;
}

export type CallOutcome = Pick<CallStatus, 'callId' | 'phase' | 'voice' | 'conversations' | 'steps' | 'lastError'>;

export const CALL_LOG_STATUSES = ['initiated', 'completed', 'failed', 'cancelled'] as const;
export type CallLogStatus = (typeof CALL_LOG_STATUSES)[number];

/** `call-<pbx>-<3cxCallId>`: 3CX call ids are small integers unique only per PBX. */
export function callWorkflowId(pbx: string, threecxCallId: string): string {
  return `call-${pbx}-${threecxCallId}`;
}
