import {
  conversationSummaryWire,
  conversationWire,
  createConversation,
  type SandboxConversation,
  type SandboxTelephony,
} from './conversations';
import { errorBodies, issue, type SandboxResponse, type ValidationIssueBody } from './error-bodies';
import type { ParsedForm } from './request-body';
import type { CallFailureReason, LatencyRange } from './types';
import { delay, nowMs, pickLatency } from './util';
import { PREMADE_VOICES, subscriptionWire, voiceWire, type VoiceStore } from './voices';

/** Runtime-adjustable behaviour (see ElevenLabsSandboxOptions for meanings and defaults). */
export interface SandboxConfig {
  cloneLatencyMs: LatencyRange;
  outboundCallLatencyMs: LatencyRange;
  apiLatencyMs: LatencyRange;
  voiceLimit: number;
  ringDurationMs: LatencyRange;
  callDurationMs: LatencyRange;
  analysisDurationMs: LatencyRange;
  failNumbers: Record<string, CallFailureReason>;
}

export interface SandboxState {
  config: SandboxConfig;
  voices: VoiceStore;
  conversations: Map<string, SandboxConversation>;
  random: () => number;
  /** Aborted when the sandbox closes or resets. */
  lifecycle: () => AbortSignal;
  onConversationCreated: (c: SandboxConversation) => void;
}

export interface HandlerInput {
  params: Record<string, string>;
  query: URLSearchParams;
  json: unknown;
  jsonError: boolean;
  form: ParsedForm | undefined;
  formError: boolean;
  /** Aborted when the client disconnects (or the sandbox closes). */
  signal: AbortSignal;
}

type Handler = (state: SandboxState, input: HandlerInput) => Promise<SandboxResponse>;

const ok = (json: unknown): SandboxResponse => ({ status: 200, json });

async function apiLatency(state: SandboxState, signal: AbortSignal): Promise<void> {
  await delay(pickLatency(state.config.apiLatencyMs, state.random), signal);
}

const TRUE_STRINGS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_STRINGS = new Set(['false', '0', 'no', 'off', 'f', 'n']);

const addVoice: Handler = async (state, input) => {
  if (input.formError) return errorBodies.plain(400, 'There was an error parsing the body');
  const fields = input.form?.fields ?? new Map<string, string[]>();
  const files = (input.form?.files ?? []).filter((f) => f.field === 'files');
  const issues: ValidationIssueBody[] = [];

  const name = fields.get('name')?.[0];
  if (name === undefined) issues.push(issue.missing(['body', 'name']));
  const stringFiles = fields.get('files') ?? [];
  stringFiles.forEach((_, i) => issues.push(issue.value(['body', 'files', files.length + i], 'Value error, Expected UploadFile, received: <class \'str\'>')));
  if (files.length === 0 && stringFiles.length === 0) issues.push(issue.missing(['body', 'files']));
  files.forEach((f, i) => {
    if (f.data.byteLength === 0) issues.push(issue.value(['body', 'files', i], 'Value error, The uploaded file is empty'));
  });

  const rbnRaw = fields.get('remove_background_noise')?.[0];
  let removeBackgroundNoise = false;
  if (rbnRaw !== undefined) {
    const v = rbnRaw.trim().toLowerCase();
    if (TRUE_STRINGS.has(v)) removeBackgroundNoise = true;
    else if (!FALSE_STRINGS.has(v)) issues.push(issue.bool(['body', 'remove_background_noise']));
  }

  let labels: Record<string, string> = {};
  const labelsRaw = fields.get('labels')?.[0];
  if (labelsRaw !== undefined && labelsRaw !== '') {
    try {
      const parsed: unknown = JSON.parse(labelsRaw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
        throw new Error('not an object of strings');
      }
      labels = parsed as Record<string, string>;
    } catch {
      issues.push(issue.value(['body', 'labels'], 'Value error, labels must be a JSON object with string values'));
    }
  }
  if (issues.length > 0 || name === undefined) return errorBodies.validation(issues);

  if (!state.voices.reserve(state.config.voiceLimit)) {
    await apiLatency(state, input.signal);
    return errorBodies.voiceLimitReached(state.voices.slotsUsed, state.config.voiceLimit);
  }
  try {
    await delay(pickLatency(state.config.cloneLatencyMs, state.random), input.signal);
  } catch (error) {
    state.voices.release();
    throw error;
  }
  const voice = state.voices.commit({
    name,
    description: fields.get('description')?.[0] ?? null,
    labels,
    removeBackgroundNoise,
    files: files.map((f) => ({ fileName: f.fileName, mimeType: f.contentType, data: f.data })),
  });
  return ok({ voice_id: voice.voiceId, requires_verification: false });
};

const getVoice: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  const voiceId = input.params.voiceId ?? '';
  const voice = state.voices.voices.get(voiceId);
  return voice === undefined ? errorBodies.voiceNotFound(voiceId) : ok(voiceWire(voice));
};

/** GET /v1/voices (GetVoicesResponseModel): premade voices first, then clones oldest first. */
const listVoices: Handler = async (state, input) => {
  const raw = input.query.get('show_legacy');
  if (raw !== null) {
    const v = raw.trim().toLowerCase();
    if (!TRUE_STRINGS.has(v) && !FALSE_STRINGS.has(v)) return errorBodies.validation([issue.bool(['query', 'show_legacy'])]);
  }
  await apiLatency(state, input.signal);
  const all = [...state.voices.voices.values()];
  const premade = all.filter((v) => v.category === 'premade');
  const cloned = all.filter((v) => v.category !== 'premade').sort((a, b) => a.createdAtUnix - b.createdAtUnix);
  return ok({ voices: [...premade, ...cloned].map(voiceWire) });
};

const deleteVoice: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  const voiceId = input.params.voiceId ?? '';
  const voice = state.voices.voices.get(voiceId);
  if (voice === undefined) return errorBodies.voiceNotFound(voiceId);
  if (PREMADE_VOICES.some((p) => p.voiceId === voiceId)) return errorBodies.permissionDenied('Premade voices cannot be deleted.');
  state.voices.voices.delete(voiceId);
  return ok({ status: 'ok' });
};

const getSubscription: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  return ok(subscriptionWire(state.voices, state.config.voiceLimit));
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkOptionalString(value: unknown, loc: (string | number)[], issues: ValidationIssueBody[]): void {
  if (value !== undefined && value !== null && typeof value !== 'string') issues.push(issue.string(loc));
}

function validateClientData(data: unknown, issues: ValidationIssueBody[]): void {
  const base = ['body', 'conversation_initiation_client_data'];
  if (data === undefined || data === null) return;
  if (!isObject(data)) {
    issues.push(issue.dict(base));
    return;
  }
  checkOptionalString(data.user_id, [...base, 'user_id'], issues);
  const vars = data.dynamic_variables;
  if (vars !== undefined) {
    if (!isObject(vars)) issues.push(issue.dict([...base, 'dynamic_variables']));
    else {
      for (const [k, v] of Object.entries(vars)) {
        if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) issues.push(issue.string([...base, 'dynamic_variables', k]));
      }
    }
  }
  const override = data.conversation_config_override;
  if (override === undefined || override === null) return;
  if (!isObject(override)) {
    issues.push(issue.dict([...base, 'conversation_config_override']));
    return;
  }
  for (const [section, field] of [
    ['tts', 'voice_id'],
    ['agent', 'first_message'],
    ['agent', 'language'],
  ] as const) {
    const s = override[section];
    if (s === undefined || s === null) continue;
    if (!isObject(s)) issues.push(issue.dict([...base, 'conversation_config_override', section]));
    else checkOptionalString(s[field], [...base, 'conversation_config_override', section, field], issues);
  }
}

function outboundCall(telephony: SandboxTelephony): Handler {
  return async (state, input) => {
    if (input.jsonError) return errorBodies.validation([issue.jsonInvalid()]);
    const body = input.json;
    if (!isObject(body)) {
      return errorBodies.validation([{ loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', type: 'model_attributes_type' }]);
    }
    const issues: ValidationIssueBody[] = [];
    for (const field of ['agent_id', 'agent_phone_number_id', 'to_number'] as const) {
      if (body[field] === undefined) issues.push(issue.missing(['body', field]));
      else if (typeof body[field] !== 'string') issues.push(issue.string(['body', field]));
    }
    validateClientData(body.conversation_initiation_client_data, issues);
    if (issues.length > 0) return errorBodies.validation(issues);

    // The platform keeps placing the call even if the client hangs up on this request.
    await delay(pickLatency(state.config.outboundCallLatencyMs, state.random), state.lifecycle());

    const clientData = isObject(body.conversation_initiation_client_data) ? body.conversation_initiation_client_data : null;
    const override = isObject(clientData?.conversation_config_override) ? clientData.conversation_config_override : undefined;
    const tts = isObject(override?.tts) ? override.tts : undefined;
    const agent = isObject(override?.agent) ? override.agent : undefined;
    const toNumber = body.to_number as string;
    const conversation = createConversation(
      {
        telephony,
        agentId: body.agent_id as string,
        agentPhoneNumberId: body.agent_phone_number_id as string,
        toNumber,
        clientData,
        userId: typeof clientData?.user_id === 'string' ? clientData.user_id : null,
        dynamicVariables: isObject(clientData?.dynamic_variables) ? (clientData.dynamic_variables as Record<string, string | number | boolean | null>) : {},
        voiceId: typeof tts?.voice_id === 'string' ? tts.voice_id : null,
        firstMessage: typeof agent?.first_message === 'string' ? agent.first_message : null,
        ringMs: pickLatency(state.config.ringDurationMs, state.random),
        talkMs: pickLatency(state.config.callDurationMs, state.random),
        analysisMs: pickLatency(state.config.analysisDurationMs, state.random),
        failureReason: state.config.failNumbers[toNumber] ?? null,
      },
      nowMs(),
    );
    state.conversations.set(conversation.conversationId, conversation);
    state.onConversationCreated(conversation);
    const common = { success: true, message: 'Success', conversation_id: conversation.conversationId };
    return ok(telephony === 'twilio' ? { ...common, callSid: conversation.callSid } : { ...common, sip_call_id: conversation.callSid });
  };
}

const getConversation: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  const id = input.params.conversationId ?? '';
  const conversation = state.conversations.get(id);
  return conversation === undefined ? errorBodies.conversationNotFound(id) : ok(conversationWire(conversation, nowMs()));
};

function intParam(query: URLSearchParams, name: string, issues: ValidationIssueBody[]): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) {
    issues.push(issue.int(['query', name]));
    return undefined;
  }
  return Number(raw);
}

const listConversations: Handler = async (state, input) => {
  const issues: ValidationIssueBody[] = [];
  const after = intParam(input.query, 'call_start_after_unix', issues);
  const before = intParam(input.query, 'call_start_before_unix', issues);
  const pageSize = intParam(input.query, 'page_size', issues) ?? 30;
  if (pageSize < 1 || pageSize > 100) issues.push({ loc: ['query', 'page_size'], msg: 'Input should be less than or equal to 100', type: 'less_than_equal' });
  const cursor = input.query.get('cursor');
  let offset = 0;
  if (cursor !== null && cursor !== '') {
    offset = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) issues.push(issue.value(['query', 'cursor'], 'Value error, invalid cursor'));
  }
  if (issues.length > 0) return errorBodies.validation(issues);
  await apiLatency(state, input.signal);

  const agentId = input.query.get('agent_id');
  const userId = input.query.get('user_id');
  const now = nowMs();
  const matches = [...state.conversations.values()]
    .filter((c) => agentId === null || c.agentId === agentId)
    .filter((c) => userId === null || c.userId === userId)
    .filter((c) => after === undefined || Math.floor(c.createdAtMs / 1000) >= after)
    .filter((c) => before === undefined || Math.floor(c.createdAtMs / 1000) <= before)
    .sort((a, b) => b.createdAtMs - a.createdAtMs);
  const page = matches.slice(offset, offset + pageSize);
  const hasMore = offset + pageSize < matches.length;
  return ok({
    conversations: page.map((c) => conversationSummaryWire(c, now)),
    next_cursor: hasMore ? Buffer.from(String(offset + pageSize), 'utf8').toString('base64url') : null,
    has_more: hasMore,
  });
};

export const handlers = {
  'voices.add': addVoice,
  'voices.get': getVoice,
  'voices.list': listVoices,
  'voices.delete': deleteVoice,
  subscription: getSubscription,
  'outboundCall.twilio': outboundCall('twilio'),
  'outboundCall.sip_trunk': outboundCall('sip_trunk'),
  'conversations.get': getConversation,
  'conversations.list': listConversations,
} satisfies Record<string, Handler>;
export type HandlerKey = keyof typeof handlers;
