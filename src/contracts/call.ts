// What the call workflow, the gateway, the worker and the API share about a call.

/**
 * Where a call is. `holding`: greeting then music on the live call, voice being found;
 * `cloning`: still holding, waiting for the caller's clone job; `awaiting_operator`: holding
 * until an operator hands off (AUTO_TRANSITION_ENABLED=false); `connecting_agent`: the hand-off
 * is under way, music still playing; `in_agent_call`: the caller talks to the agent.
 * `abandoned`: the caller hung up before the agent answered.
 */
export const CALL_PHASES = [
  'holding',
  'cloning',
  'awaiting_operator',
  'connecting_agent',
  'in_agent_call',
  'completed',
  'abandoned',
  'failed',
  'cancelled',
] as const;
export type CallPhase = (typeof CALL_PHASES)[number];
export const TERMINAL_PHASES = ['completed', 'abandoned', 'failed', 'cancelled'] as const satisfies readonly CallPhase[];
export type TerminalPhase = (typeof TERMINAL_PHASES)[number];

export type VoiceSource = 'cache' | 'clone' | 'default';
/** Why the default voice was used. `caller_withheld` covers withheld and unusable numbers. */
export const FALLBACK_REASONS = [
  'clone_timeout',
  'clone_failed',
  'no_sample',
  'no_consent',
  'caller_withheld',
  'internal_caller',
  'operator_requested',
] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

export type HandoffMode = 'bridge' | 'sip';

/** How the caller's number arrived and what we made of it. */
export interface CallerNumber {
  /** Exactly what 3CX sent. */
  raw: string;
  /** E.164 form, or null when the number is withheld, internal or not a phone number. */
  e164: string | null;
  kind: 'external' | 'withheld' | 'internal' | 'invalid';
}

/** SIP hand-off: 3CX routes the call through an outbound rule to an ElevenLabs SIP-trunk number. */
export interface SipHandoffSettings {
  /** Outbound-rule prefix 3CX strips before dialling the trunk (e.g. `999`). */
  routePrefix: string;
  /** ElevenLabs SIP-trunk numbers (E.164), one per concurrent hand-off for correlation. */
  numbers: string[];
  /** 3CX's `routeto` timeout: ElevenLabs must answer within it. */
  routeTimeoutSeconds: number;
  /** How long the conversation-init webhook may match the pending hand-off. */
  pendingExpirySeconds: number;
}

/** Settings the workflow needs, captured at start so history alone explains each decision. */
export interface CallSettings {
  greetingVoiceId: string;
  greetingMessage: string;
  defaultVoiceId: string;
  /** The agent's first message after the hold. */
  transferMessage: string;
  cloneMaxWaitSeconds: number;
  autoTransitionEnabled: boolean;
  maxCallDurationSeconds: number;
  /** How long after the call ends the workflow waits for ElevenLabs' post-call data. */
  postCallGraceSeconds: number;
  cacheTtlSeconds: number;
  /** Per-attempt limit of one clone request at ElevenLabs. */
  cloneTimeoutSeconds: number;
  /** Clone only callers whose consent is recorded. */
  requireCloneConsent: boolean;
  handoffMode: HandoffMode;
  /** Bridge mode: how long the agent may take from the socket opening to its first audio. */
  agentConnectTimeoutSeconds: number;
  sip: SipHandoffSettings | null;
  /** A 3CX destination (queue, extension) that takes the caller when the agent cannot. */
  fallbackDestination: string | null;
  /** Said (greeting voice) before the caller is dropped or sent to the fallback destination. */
  failureMessage: string;
  /** Said when an operator cancels the call, before it is dropped or routed to the fallback. */
  cancelMessage: string;
}

export interface CallInput {
  /** Our call id; also the workflow id (see callWorkflowId). */
  callId: string;
  pbx: string;
  threecxCallId: string;
  caller: CallerNumber;
  /** 3CX's `party_caller_name`, when known. */
  callerName: string | null;
  calledNumber: string;
  /** What told us of the call first: the gateway's route point or a webhook. */
  source: 'route_point' | 'webhook';
  /** The route-point participant (3CX `id`), when the gateway started the call. */
  participantId: number | null;
  /** ISO time at which 3CX says the call arrived (webhook) or the gateway saw it. */
  occurredAt: string;
  /** ISO time at which we received it. */
  receivedAt: string;
  /** The task queue of the gateway that owns this PBX's streams. */
  gatewayTaskQueue: string;
  settings: CallSettings;
}

/** Media figures of the hold, measured by the gateway on the caller's stream. */
export interface HoldMedia {
  holdMs: number;
  /** Time the caller heard nothing from the first greeting byte on (stream underruns). */
  deadAirMs: number;
}

/** The caller is gone (3CX Remove, the caller's stream closed, or a CallEnded webhook). */
export interface CallEndedEvent {
  endedAt: string;
  durationSeconds: number | null;
  reason: string | null;
  /** 3CX's recording of the call, when it sends one. */
  recordingUrl?: string | null;
  /** The gateway's figures for the hold, when it saw the call end. */
  media?: HoldMedia | null;
}

/** Post-call data from ElevenLabs for the call's agent conversation. */
export interface CallCompletedEvent {
  conversationId: string;
  kind: 'post_call_transcription' | 'call_initiation_failure';
  status: string;
  durationSeconds: number | null;
  transcript: string | null;
  failureReason: string | null;
}

/** Why a call failed (phase `failed`), machine-readable. */
export const CALL_FAILURE_REASONS = [
  'not_on_route_point',
  'hold_failed',
  'agent_unavailable',
  'agent_disconnected',
  'route_failed',
  'media_lost',
  'internal_error',
] as const;
export type CallFailureReason = (typeof CALL_FAILURE_REASONS)[number];

/** Where the caller went when the agent could not take the call. */
export interface FallbackRouting {
  reason: CallFailureReason;
  destination: string | null;
  outcome: 'routed' | 'dropped' | 'failed';
}

export interface CallStatus {
  callId: string;
  pbx: string;
  threecxCallId: string;
  phase: CallPhase;
  caller: CallerNumber;
  calledNumber: string;
  source: CallInput['source'];
  participantId: number | null;
  handoffMode: HandoffMode;
  voice: { source: VoiceSource | null; voiceId: string | null; fallbackReason: FallbackReason | null };
  /** The agent conversation (bridge: from the socket's first event; SIP: from ElevenLabs' webhooks). */
  conversationId: string | null;
  /** SIP mode: the ElevenLabs number the call was routed to. */
  sipNumber: string | null;
  /** ISO timestamps of each step reached so far. */
  steps: Partial<Record<CallStep, string>>;
  /** What the caller heard before the agent: hold length and gaps in the audio (dead air). */
  media: { holdMs: number | null; deadAirMs: number | null };
  handoffAttempts: number;
  fallback: FallbackRouting | null;
  failureReason: CallFailureReason | null;
  lastError: string | null;
  /** The last state 3CX reported (CallStateChanged webhook), with when. */
  threecxState: { state: string; at: string } | null;
  operatorActions: { action: OperatorAction; at: string }[];
}

export type OperatorAction = 'useDefaultVoice' | 'retryClone' | 'handOffNow';

export type CallStep =
  | 'received'
  | 'recorded'
  | 'greeting'
  | 'cloning'
  | 'voiceReady'
  | 'connecting'
  | 'agentConnected'
  | 'agentEnded'
  | 'callerHungUp'
  | 'ended';

export type CallOutcome = Pick<
  CallStatus,
  'callId' | 'phase' | 'voice' | 'conversationId' | 'steps' | 'media' | 'fallback' | 'failureReason' | 'lastError'
>;

export const CALL_LOG_STATUSES = ['initiated', 'completed', 'abandoned', 'failed', 'cancelled'] as const;
export type CallLogStatus = (typeof CALL_LOG_STATUSES)[number];

/**
 * `call-<pbx>-<3cxCallId>`: 3CX call ids are small integers unique only per PBX. Each part is
 * percent-encoded with `-` escaped too, so the separator is unambiguous (`a-b`+`c` ≠ `a`+`b-c`).
 */
export function callWorkflowId(pbx: string, threecxCallId: string): string {
  return `call-${encodeIdPart(pbx)}-${encodeIdPart(threecxCallId)}`;
}

function encodeIdPart(part: string): string {
  return encodeURIComponent(part).replaceAll('-', '%2D');
}
