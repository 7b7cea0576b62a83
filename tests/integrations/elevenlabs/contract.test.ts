/**
 * Contract test: everything the client sends and everything the sandbox answers is checked against
 * the real ElevenLabs OpenAPI 3.1 spec (../shared/reference/elevenlabs-openapi.json) with Ajv.
 * A missing spec fails the suite, locally and in CI.
 */
import { FormData, request } from 'undici';
import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';
import { errorBodySchema } from '../../../src/integrations/elevenlabs/schemas';
import { addVoiceResponseSchema, deleteVoiceResponseSchema, subscriptionSchema, voicesListSchema } from '../../../src/integrations/elevenlabs/schemas';
import { buildOutboundCallBody, type OutboundCallParams } from '../../../src/integrations/elevenlabs/outbound-call';
import { type ElevenLabsSandbox, type SandboxEndpoint, SANDBOX_ENDPOINTS, startElevenLabsSandbox } from '../../../src/integrations/elevenlabs/sandbox';
import type { SandboxRequestRecord } from '../../../src/integrations/elevenlabs/sandbox/types';
import { formatErrors, OpenApiSpec, SPEC_PATH } from './openapi-spec';
import { makeWavSample, sleep, startWebhookReceiver, type WebhookReceiver } from './helpers';

const KEY = 'contract-key';

const callParams = (overrides: Partial<OutboundCallParams> = {}): OutboundCallParams => ({
  telephony: 'sip_trunk',
  agentId: 'agent_contract',
  agentPhoneNumberId: 'phnum_contract',
  toNumber: '+4930123456',
  voiceId: 'c38kUX8pkfYO2kHyqfFy',
  firstMessage: 'Hallo {{caller_name}}',
  dynamicVariables: { caller_name: 'Ana', attempt: 2, ratio: 0.5, vip: false, note: null },
  userId: 'call_contract',
  ...overrides,
});

describe(`ElevenLabs contract (${SPEC_PATH})`, () => {
  let spec: OpenApiSpec;
  let sandbox: ElevenLabsSandbox;
  let receiver: WebhookReceiver;
  let log: SandboxRequestRecord[];

  beforeAll(async () => {
    spec = OpenApiSpec.load();
    receiver = await startWebhookReceiver();
    sandbox = await startElevenLabsSandbox({
      apiKey: KEY,
      cloneLatencyMs: 5,
      apiLatencyMs: 0,
      outboundCallLatencyMs: 5,
      ringDurationMs: 300,
      callDurationMs: 40,
      analysisDurationMs: 20,
      voiceLimit: 3,
      webhookUrl: receiver.url,
      webhookSecret: 'contract-secret',
      failNumbers: { '+4930999000': 'no-answer' },
    });
    const client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: KEY });
    try {
      await exerciseEverything(client, sandbox);
      await receiver.waitFor(3, 5_000);
    } finally {
      await client.close();
    }
    log = sandbox.requests.filter((r) => r.endpoint !== 'control');
  });

  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it('loads the spec and covers every sandbox endpoint with traffic', () => {
    expect(spec.doc.openapi).toMatch(/^3\.1/);
    const covered = new Set(log.map((r) => r.endpoint));
    for (const endpoint of SANDBOX_ENDPOINTS) expect(covered).toContain(endpoint);
  });

  it('every request path and method exists in the spec, and each operation takes xi-api-key', () => {
    for (const r of log) {
      const op = spec.findOperation(r.method, r.path);
      expect({ request: `${r.method} ${r.path}`, found: op !== undefined }).toEqual({ request: `${r.method} ${r.path}`, found: true });
      expect(op?.operation.parameters?.some((p) => p.in === 'header' && p.name === 'xi-api-key')).toBe(true);
    }
    expect(spec.findOperation('GET', '/v1/voice_lab/voices')).toBeUndefined();
    expect(spec.findOperation('POST', '/v1/agents/agent_1/calls')).toBeUndefined();
  });

  it('path and query parameters validate against the operation parameters', () => {
    for (const r of log.filter((x) => x.status !== 404)) {
      const op = spec.findOperation(r.method, r.path);
      if (op === undefined) throw new Error(`no operation for ${r.method} ${r.path}`);
      for (const [name, value] of Object.entries(op.pathParams)) {
        const v = spec.parameterValidator(op, 'path', name);
        expect(v).toBeDefined();
        expect(v?.(value)).toBe(true);
      }
      if (r.status === 422) continue;
      for (const [name, raw] of Object.entries(r.query)) {
        const v = spec.parameterValidator(op, 'query', name);
        expect({ param: name, declared: v !== undefined }).toEqual({ param: name, declared: true });
        // Query values are strings on the wire; coerce integers and booleans as the API's decoder would.
        const coerced = v?.(raw) ? raw : /^-?\d+$/.test(raw) ? Number(raw) : raw === 'true' || raw === 'false' ? raw === 'true' : raw;
        if (!v?.(coerced)) throw new Error(`query ${name}=${raw} invalid: ${formatErrors(v as never)}`);
      }
    }
    const list = log.find((r) => r.endpoint === 'conversations.list' && r.query.user_id !== undefined);
    expect(Object.keys(list?.query ?? {}).sort()).toEqual(['agent_id', 'call_start_after_unix', 'call_start_before_unix', 'page_size', 'user_id']);
  });

  it('JSON bodies the client sent validate against the requestBody schema', () => {
    const sent = log.filter((r) => r.endpoint === 'outboundCall' && r.apiKeyValid && r.json !== undefined && r.status === 200);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const r of sent) {
      const op = spec.findOperation(r.method, r.path);
      if (op === undefined) throw new Error('unreachable');
      const validate = spec.requestBodyValidator(op, 'application/json');
      if (!validate(r.json)) throw new Error(`${r.path} body invalid: ${formatErrors(validate)}`);
    }
  });

  it.each([
    ['sip_trunk with overrides', callParams()],
    ['twilio with overrides', callParams({ telephony: 'twilio' })],
    ['no overrides', callParams({ voiceId: undefined, firstMessage: undefined })],
    ['voice only', callParams({ firstMessage: undefined, dynamicVariables: {} })],
    ['first message only', callParams({ voiceId: undefined, telephony: 'twilio' })],
  ])('buildOutboundCallBody (%s) validates against the spec', (_label, params) => {
    const body = buildOutboundCallBody(params);
    const op = spec.findOperation('POST', params.telephony === 'twilio' ? '/v1/convai/twilio/outbound-call' : '/v1/convai/sip-trunk/outbound-call');
    if (op === undefined) throw new Error('outbound-call path missing from the spec');
    const validate = spec.requestBodyValidator(op, 'application/json');
    if (!validate(body)) throw new Error(formatErrors(validate));
    expect(JSON.stringify(body)).not.toMatch(/:\s*""|"voice_id":null|"first_message":null/);
  });

  it('the validators reject invalid documents (they are live, not permissive)', () => {
    const op = spec.findOperation('POST', '/v1/convai/twilio/outbound-call');
    if (op === undefined) throw new Error('unreachable');
    const validate = spec.requestBodyValidator(op, 'application/json');
    expect(validate({ agent_id: 'a' })).toBe(false);
    expect(validate({ ...buildOutboundCallBody(callParams()), conversation_initiation_client_data: { dynamic_variables: { x: { nested: 1 } } } })).toBe(false);
    const conversation = spec.component('GetConversationResponseModel');
    expect(conversation({ agent_id: 'a', conversation_id: 'c', status: 'bogus', transcript: [], metadata: {}, has_audio: false })).toBe(false);
    expect(spec.component('TwilioOutboundCallResponse')({ success: true, message: 'ok', conversation_id: 'c', call_sid: 'CA1' })).toBe(false);
  });

  it('multipart field names are properties of the voices/add schema, required ones present, repeats only for arrays', () => {
    const op = spec.findOperation('POST', '/v1/voices/add');
    if (op === undefined) throw new Error('voices/add missing from the spec');
    const mediaSchema = op.operation.requestBody?.content['multipart/form-data']?.schema;
    const schema = spec.resolve(mediaSchema);
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    const required = schema.required as string[];
    const sent = log.filter((r) => r.endpoint === 'voices.add' && r.status === 200);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    const validate = spec.requestBodyValidator(op, 'multipart/form-data');
    for (const r of sent) {
      const names = r.multipart?.fieldNames ?? [];
      for (const name of names) expect(Object.keys(properties)).toContain(name);
      for (const name of required) expect(names).toContain(name);
      for (const name of new Set(names)) {
        if (names.filter((n) => n === name).length > 1) expect(properties[name]?.type).toBe('array');
      }
      // Multipart parts are strings on the wire; coerce as a form decoder would and validate the whole body.
      const decoded: Record<string, unknown> = {};
      for (const [name, values] of Object.entries(r.multipart?.fields ?? {})) {
        const value = values[0] ?? '';
        decoded[name] = properties[name]?.type === 'boolean' ? value === 'true' : value;
      }
      decoded.files = (r.multipart?.files ?? []).filter((f) => f.field === 'files').map((f) => `<${f.sizeBytes} bytes>`);
      if (!validate(decoded)) throw new Error(formatErrors(validate));
    }
    const full = sent.find((r) => (r.multipart?.fieldNames.length ?? 0) > 3);
    expect(new Set(full?.multipart?.fieldNames)).toEqual(new Set(['name', 'files', 'description', 'labels', 'remove_background_noise']));
  });

  it('every sandbox response the spec describes validates against its response schema', () => {
    const checked = new Map<string, Set<number>>();
    for (const r of log) {
      if (r.status === undefined) continue;
      const op = spec.findOperation(r.method, r.path);
      if (op === undefined) continue;
      const validate = spec.responseValidator(op, r.status);
      if (validate === undefined) {
        // The spec documents only 200 and 422; other errors use the business-error shape from the notes.
        expect(errorBodySchema.safeParse(r.responseJson).success).toBe(true);
        continue;
      }
      if (!validate(r.responseJson)) throw new Error(`${r.method} ${r.path} ${r.status} invalid: ${formatErrors(validate)}\n${JSON.stringify(r.responseJson)}`);
      const key = r.endpoint === 'outboundCall' ? `${r.endpoint}:${r.path}` : r.endpoint;
      checked.set(key, new Set([...(checked.get(key) ?? []), r.status]));
    }
    for (const endpoint of SANDBOX_ENDPOINTS.filter((e) => e !== 'outboundCall')) expect(checked.get(endpoint)).toContain(200);
    expect(checked.get('outboundCall:/v1/convai/twilio/outbound-call')).toEqual(new Set([200, 422]));
    expect(checked.get('outboundCall:/v1/convai/sip-trunk/outbound-call')).toEqual(new Set([200, 422]));
    expect(checked.get('voices.add')).toContain(422);
    expect(checked.get('conversations.list')).toContain(422);
    expect(checked.get('voices.list')).toEqual(new Set([200, 422]));
  });

  it('GET /v1/voices: the operation exists, and the sandbox lists premade and cloned voices (with labels) as GetVoicesResponseModel', () => {
    const op = spec.findOperation('GET', '/v1/voices');
    expect(op?.template).toBe('/v1/voices');
    expect(op?.operation.parameters?.map((p) => p.name)).toContain('show_legacy');
    const validate = spec.responseValidator(op!, 200);
    if (validate === undefined) throw new Error('GET /v1/voices has no 200 JSON schema');
    const lists = log.filter((r) => r.endpoint === 'voices.list' && r.status === 200);
    expect(lists.map((r) => r.query)).toEqual(expect.arrayContaining([{}, { show_legacy: 'true' }]));
    for (const r of lists) if (!validate(r.responseJson)) throw new Error(formatErrors(validate));
    const voices = (lists[0]!.responseJson as { voices: { category: string; labels: Record<string, string> }[] }).voices;
    expect(voices.map((v) => v.category)).toEqual(expect.arrayContaining(['premade', 'cloned']));
    expect(voices.find((v) => v.category === 'cloned' && v.labels.accent === 'berlin')).toBeDefined();
    expect(spec.component('GetVoicesResponseModel')({ voices: [{ voice_id: 'x' }] })).toBe(false);
  });

  it('conversation responses validate in every lifecycle state', () => {
    const statuses = new Set(
      log.filter((r) => r.endpoint === 'conversations.get' && r.status === 200).map((r) => (r.responseJson as { status: string }).status),
    );
    expect([...statuses]).toEqual(expect.arrayContaining(['initiated', 'done', 'failed']));
  });

  it('post_call_transcription webhook data has the GetConversationResponseModel shape', () => {
    const validate = spec.component('GetConversationResponseModel');
    const transcriptions = receiver.received
      .map((h) => JSON.parse(h.rawBody.toString('utf8')) as { type: string; event_timestamp: number; data: unknown })
      .filter((e) => e.type === 'post_call_transcription');
    expect(transcriptions.length).toBeGreaterThanOrEqual(2);
    for (const event of transcriptions) {
      expect(Number.isInteger(event.event_timestamp)).toBe(true);
      if (!validate(event.data)) throw new Error(formatErrors(validate));
    }
  });

  it('the client zod schemas accept the spec’s own examples', () => {
    const example = (name: string): unknown => spec.doc.components.schemas[name]?.example;
    expect(addVoiceResponseSchema.safeParse(example('AddVoiceIVCResponseModel')).success).toBe(true);
    expect(deleteVoiceResponseSchema.safeParse(example('DeleteVoiceResponseModel')).success).toBe(true);
    expect(subscriptionSchema.safeParse(example('ExtendedSubscriptionResponseModel')).success).toBe(true);
    expect(voicesListSchema.safeParse(example('GetVoicesResponseModel')).success).toBe(true);
  });
});

/** Drives every endpoint through the real client (plus raw requests for error shapes the client cannot produce). */
async function exerciseEverything(client: ElevenLabsClient, sandbox: ElevenLabsSandbox): Promise<void> {
  const raw = async (method: 'GET' | 'POST', path: string, body?: string | FormData): Promise<void> => {
    const headers: Record<string, string> = { 'xi-api-key': KEY };
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    const res = await request(`${sandbox.url}${path}`, { method, headers, body });
    await res.body.dump();
  };
  const swallow = async (p: Promise<unknown>): Promise<void> => {
    await p.catch(() => undefined);
  };
  const inject = (endpoint: SandboxEndpoint, kind: '429' | '500' | 'invalid_api_key' | 'quota_exceeded') =>
    sandbox.setFailure(endpoint, { kind, times: 1 });

  await client.getSubscription();
  const full = await client.createVoiceClone({
    name: 'Caller clone',
    samples: [makeWavSample('a.wav'), makeWavSample('b.wav')],
    description: 'contract',
    labels: { language: 'de', accent: 'berlin', gender: 'female', age: 'young' },
    removeBackgroundNoise: false,
  });
  const minimal = await client.createVoiceClone({ name: 'Minimal', samples: [makeWavSample()] });
  await client.getVoice(full.voiceId);
  await client.getVoice('21m00Tcm4TlvDq8ikWAM');
  await client.listVoices();
  await client.listVoices({ showLegacy: true });
  await client.createVoiceClone({ name: 'Third', samples: [makeWavSample()] });
  await swallow(client.createVoiceClone({ name: 'Over the limit', samples: [makeWavSample()] }));
  await client.deleteVoice(minimal.voiceId);
  await swallow(client.deleteVoice(minimal.voiceId));
  await swallow(client.getVoice('unknownVoice'));

  const sip = await client.placeOutboundCall(callParams());
  await client.getConversation(sip.conversationId ?? '');
  const twilio = await client.placeOutboundCall(callParams({ telephony: 'twilio', userId: 'call_contract_2' }));
  await client.placeOutboundCall(callParams({ voiceId: undefined, firstMessage: undefined, userId: 'call_plain' }));
  const failed = await client.placeOutboundCall(callParams({ telephony: 'twilio', firstMessage: undefined, toNumber: '+4930999000', userId: 'call_busy' }));
  await sleep(450);
  await client.getConversation(sip.conversationId ?? '');
  await client.getConversation(twilio.conversationId ?? '');
  await client.getConversation(failed.conversationId ?? '');
  await swallow(client.getConversation('conv_missing'));
  await client.listConversations();
  await client.listConversations({
    agentId: 'agent_contract',
    userId: 'call_contract',
    callStartAfterUnix: Math.floor(Date.now() / 1000) - 60,
    callStartBeforeUnix: Math.floor(Date.now() / 1000) + 60,
    pageSize: 10,
  });
  const page = await client.listConversations({ pageSize: 1 });
  await client.listConversations({ pageSize: 1, cursor: page.nextCursor ?? '' });

  // Error shapes: 422 from the API's validation, then injected business errors.
  const noName = new FormData();
  noName.append('description', 'missing name and files');
  await raw('POST', '/v1/voices/add', noName);
  await raw('POST', '/v1/convai/twilio/outbound-call', JSON.stringify({ agent_id: 'a' }));
  await raw('POST', '/v1/convai/sip-trunk/outbound-call', JSON.stringify({ to_number: 5 }));
  await raw('GET', '/v1/convai/conversations?page_size=0');
  await raw('GET', '/v1/voices?show_legacy=maybe');
  inject('subscription', '429');
  await swallow(client.getSubscription());
  inject('voices.list', '429');
  await swallow(client.listVoices());
  inject('voices.get', '500');
  await swallow(client.getVoice(full.voiceId));
  inject('voices.delete', 'invalid_api_key');
  await swallow(client.deleteVoice(full.voiceId));
  inject('voices.add', 'quota_exceeded');
  await swallow(client.createVoiceClone({ name: 'q', samples: [makeWavSample()] }));
}
