import type { CallFailureReason } from './types';
import { randomAlphanumeric, randomHex } from './util';

export type SandboxTelephony = 'twilio' | 'sip_trunk';
export type SandboxConversationStatus = 'initiated' | 'in-progress' | 'processing' | 'done' | 'failed';
type DynamicValue = string | number | boolean | null;

export interface SandboxTurn {
  role: 'agent' | 'user';
  message: string;
  timeInCallSecs: number;
}

export interface SandboxConversation {
  conversationId: string;
  telephony: SandboxTelephony;
  agentId: string;
  agentPhoneNumberId: string;
  agentNumber: string;
  toNumber: string;
  callSid: string;
  streamSid: string;
  userId: string | null;
  /** conversation_initiation_client_data exactly as received (null when absent). */
  clientData: Record<string, unknown> | null;
  dynamicVariables: Record<string, DynamicValue>;
  voiceId: string | null;
  firstMessage: string | null;
  createdAtMs: number;
  answeredAtMs: number;
  endedAtMs: number;
  doneAtMs: number;
  failureReason: CallFailureReason | null;
  transcript: SandboxTurn[];
}

export interface NewConversationInput {
  telephony: SandboxTelephony;
  agentId: string;
  agentPhoneNumberId: string;
  toNumber: string;
  clientData: Record<string, unknown> | null;
  userId: string | null;
  dynamicVariables: Record<string, DynamicValue>;
  voiceId: string | null;
  firstMessage: string | null;
  ringMs: number;
  talkMs: number;
  analysisMs: number;
  failureReason: CallFailureReason | null;
}

const DEFAULT_FIRST_MESSAGE = 'Hello! How can I help you today?';

/** Replaces `{{name}}` with the dynamic variable's value, as the agent runtime does. Unknown names stay as they are. */
export function renderTemplate(text: string, vars: Record<string, DynamicValue>): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined || value === null ? whole : String(value);
  });
}

function buildTranscript(input: NewConversationInput): SandboxTurn[] {
  const vars = input.dynamicVariables;
  const talkSecs = Math.max(0, Math.round(input.talkMs / 1000));
  const greeting = renderTemplate(input.firstMessage ?? DEFAULT_FIRST_MESSAGE, vars);
  const callerName = typeof vars.caller_name === 'string' ? vars.caller_name : null;
  const extras = Object.entries(vars)
    .filter(([k]) => !k.startsWith('system__') && !k.startsWith('secret__'))
    .map(([k, v]) => `${k}=${String(v)}`);
  return [
    { role: 'agent', message: greeting, timeInCallSecs: 0 },
    { role: 'user', message: callerName ? `Hi, this is ${callerName}.` : 'Hi, who is this?', timeInCallSecs: Math.floor(talkSecs / 3) },
    {
      role: 'agent',
      message: extras.length > 0 ? `Thanks, I have your details (${extras.join(', ')}). Goodbye!` : 'Thanks for your time. Goodbye!',
      timeInCallSecs: Math.floor((2 * talkSecs) / 3),
    },
  ];
}

export function createConversation(input: NewConversationInput, createdAtMs: number): SandboxConversation {
  const conversationId = `conv_${randomAlphanumeric(26).toLowerCase()}`;
  const answeredAtMs = createdAtMs + input.ringMs;
  const endedAtMs = input.failureReason === null ? answeredAtMs + input.talkMs : answeredAtMs;
  const doneAtMs = input.failureReason === null ? endedAtMs + input.analysisMs : answeredAtMs;
  return {
    conversationId,
    telephony: input.telephony,
    agentId: input.agentId,
    agentPhoneNumberId: input.agentPhoneNumberId,
    agentNumber: '+15550100000',
    toNumber: input.toNumber,
    callSid: input.telephony === 'twilio' ? `CA${randomHex(32)}` : `${randomHex(8)}-${randomHex(4)}-${randomHex(4)}-${randomHex(4)}-${randomHex(12)}`,
    streamSid: `MZ${randomHex(32)}`,
    userId: input.userId,
    clientData: input.clientData,
    dynamicVariables: input.dynamicVariables,
    voiceId: input.voiceId,
    firstMessage: input.firstMessage,
    createdAtMs,
    answeredAtMs,
    endedAtMs,
    doneAtMs,
    failureReason: input.failureReason,
    transcript: input.failureReason === null ? buildTranscript(input) : [],
  };
}

export function conversationStatus(c: SandboxConversation, now: number): SandboxConversationStatus {
  if (now < c.answeredAtMs) return 'initiated';
  if (c.failureReason !== null) return 'failed';
  if (now < c.endedAtMs) return 'in-progress';
  if (now < c.doneAtMs) return 'processing';
  return 'done';
}

function callDurationSecs(c: SandboxConversation, now: number): number {
  if (c.failureReason !== null || now < c.answeredAtMs) return 0;
  return Math.floor((Math.min(now, c.endedAtMs) - c.answeredAtMs) / 1000);
}

function visibleTurns(c: SandboxConversation, now: number): SandboxTurn[] {
  const status = conversationStatus(c, now);
  if (status === 'initiated' || status === 'failed') return [];
  if (status !== 'in-progress') return c.transcript;
  const elapsedSecs = (now - c.answeredAtMs) / 1000;
  return c.transcript.filter((t) => t.timeInCallSecs <= elapsedSecs);
}

function phoneCallWire(c: SandboxConversation): Record<string, unknown> {
  const common = { direction: 'outbound', phone_number_id: c.agentPhoneNumberId, agent_number: c.agentNumber, external_number: c.toNumber };
  return c.telephony === 'twilio'
    ? { ...common, type: 'twilio', stream_sid: c.streamSid, call_sid: c.callSid }
    : { ...common, type: 'sip_trunking', call_sid: c.callSid };
}

/** conversation_initiation_client_data as returned: the request's data plus the system__ variables the platform adds. */
function clientDataWire(c: SandboxConversation): Record<string, unknown> {
  const system: Record<string, DynamicValue> = {
    system__agent_id: c.agentId,
    system__conversation_id: c.conversationId,
    system__caller_id: c.agentNumber,
    system__called_number: c.toNumber,
    system__call_sid: c.callSid,
  };
  return {
    ...(c.clientData ?? {}),
    conversation_config_override: c.clientData?.conversation_config_override ?? {},
    user_id: c.userId,
    dynamic_variables: { ...c.dynamicVariables, ...system },
  };
}

/** GetConversationResponseModel (also the `data` of post_call_transcription). */
export function conversationWire(c: SandboxConversation, now: number): Record<string, unknown> {
  const status = conversationStatus(c, now);
  const turns = visibleTurns(c, now);
  const finished = status === 'done';
  return {
    agent_id: c.agentId,
    conversation_id: c.conversationId,
    status,
    user_id: c.userId,
    transcript: turns.map((t) => ({
      role: t.role,
      message: t.message,
      tool_calls: [],
      tool_results: [],
      feedback: null,
      llm_override: null,
      time_in_call_secs: t.timeInCallSecs,
      conversation_turn_metrics: null,
      rag_retrieval_info: null,
      llm_usage: null,
      interrupted: false,
      original_message: null,
      source_medium: 'audio',
    })),
    metadata: {
      start_time_unix_secs: Math.floor(c.createdAtMs / 1000),
      accepted_time_unix_secs: status === 'initiated' || status === 'failed' ? null : Math.floor(c.answeredAtMs / 1000),
      call_duration_secs: callDurationSecs(c, now),
      cost: finished ? 100 + 10 * callDurationSecs(c, now) : null,
      termination_reason: status === 'failed' ? `Call failed: ${c.failureReason}` : finished || status === 'processing' ? 'Call ended by remote party' : '',
      error: status === 'failed' ? { code: 1, reason: c.failureReason } : null,
      main_language: 'en',
      phone_call: phoneCallWire(c),
      batch_call: null,
      text_only: false,
      conversation_initiation_source: c.telephony,
      timezone: null,
    },
    analysis: finished
      ? {
          evaluation_criteria_results: {},
          data_collection_results: {},
          call_successful: 'success',
          transcript_summary: `The agent greeted the caller (${c.toNumber}) and ended the call politely.`,
          call_summary_title: 'Sandbox outbound call',
        }
      : null,
    conversation_initiation_client_data: clientDataWire(c),
    has_audio: finished,
    has_user_audio: finished,
    has_response_audio: finished,
  };
}

/** ConversationSummaryResponseModel. */
export function conversationSummaryWire(c: SandboxConversation, now: number): Record<string, unknown> {
  const status = conversationStatus(c, now);
  return {
    agent_id: c.agentId,
    agent_name: 'Sandbox agent',
    conversation_id: c.conversationId,
    start_time_unix_secs: Math.floor(c.createdAtMs / 1000),
    call_duration_secs: callDurationSecs(c, now),
    message_count: visibleTurns(c, now).length,
    status,
    call_successful: status === 'done' ? 'success' : status === 'failed' ? 'failure' : 'unknown',
    transcript_summary: status === 'done' ? 'The agent greeted the caller and ended the call politely.' : null,
    call_summary_title: status === 'done' ? 'Sandbox outbound call' : null,
    direction: 'outbound',
  };
}

/** `data` of call_initiation_failure; body fields mimic the provider's status callback. */
export function callInitiationFailureData(c: SandboxConversation): Record<string, unknown> {
  const reason = c.failureReason ?? 'unknown';
  const body =
    c.telephony === 'twilio'
      ? { CallSid: c.callSid, CallStatus: reason, To: c.toNumber, From: c.agentNumber, Direction: 'outbound-api' }
      : {
          call_id: c.callSid,
          sip_status_code: reason === 'busy' ? 486 : 480,
          sip_status: reason === 'busy' ? 'Busy Here' : 'Temporarily Unavailable',
          to_number: c.toNumber,
        };
  return {
    agent_id: c.agentId,
    conversation_id: c.conversationId,
    failure_reason: reason,
    metadata: { type: c.telephony === 'twilio' ? 'twilio' : 'sip', body },
  };
}
