/**
 * Contract test: everything the client sends and everything the sandbox answers is checked with Ajv
 * against the real ElevenLabs OpenAPI 3.1 spec, as cut down by scripts/extract-openapi-subset.ts
 * (tests/fixtures/elevenlabs/openapi-subset.json).
 */
import { FormData, request } from 'undici';
import { agentSchema, signedUrlSchema } from '../../../src/integrations/elevenlabs/agent-settings';
import { openAgentConversation } from '../../../src/integrations/elevenlabs/agent-socket';
import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';
import { buildConversationInitiation, type ConversationInitiation } from '../../../src/integrations/elevenlabs/conversation-init';
import {
  addVoiceResponseSchema,
  deleteVoiceResponseSchema,
  errorBodySchema,
  subscriptionSchema,
  voicesListSchema,
} from '../../../src/integrations/elevenlabs/schemas';
import { buildTextToSpeechRequest } from '../../../src/integrations/elevenlabs/text-to-speech';
import {
  DEFAULT_AGENT_ID,
  type ElevenLabsSandbox,
  RACHEL_VOICE_ID,
  type SandboxEndpoint,
  SANDBOX_ENDPOINTS,
  type SandboxRequestRecord,
  startElevenLabsSandbox,
} from '../../../simulators/elevenlabs';
import { type InitWebhookServer, startInitWebhookServer } from './init-webhook-server';
import { formatErrors, OpenApiSpec, SPEC_PATH } from './openapi-spec';
import { makeWavSample, startWebhookReceiver, type WebhookReceiver } from './helpers';

const KEY = 'contract-key';
const TRUNK_NUMBER = '+4930123450001';

const initiation = (overrides: Partial<ConversationInitiation> = {}): ConversationInitiation => ({
  voiceId: RACHEL_VOICE_ID,
  firstMessage: 'Hallo {{caller_name}}',
  dynamicVariables: { caller_name: 'Ana', attempt: 2, ratio: 0.5, vip: false },
  userId: 'call_contract',
  ...overrides,
});

describe(`ElevenLabs contract (${SPEC_PATH})`, () => {
  let spec: OpenApiSpec;
  let sandbox: ElevenLabsSandbox;
  let receiver: WebhookReceiver;
  let initWebhook: InitWebhookServer;
  let log: SandboxRequestRecord[];
  /** Every conversation_initiation_client_data ElevenLabs received: WebSocket first messages and webhook answers. */
  let initMessages: unknown[];

  beforeAll(async () => {
    spec = OpenApiSpec.load();
    receiver = await startWebhookReceiver();
    initWebhook = await startInitWebhookServer(() => initiation({ userId: 'call_sip', firstMessage: null }));
    sandbox = await startElevenLabsSandbox({
      apiKey: KEY,
      cloneLatencyMs: 5,
      apiLatencyMs: 0,
      ttsLatencyMs: 0,
      agentFirstAudioLatencyMs: 10,
      callDurationMs: 150,
      analysisDurationMs: 20,
      pingIntervalMs: 50,
      voiceLimit: 3,
      webhookUrl: receiver.url,
      webhookSecret: 'contract-secret',
      sipNumbers: { [TRUNK_NUMBER]: DEFAULT_AGENT_ID },
      conversationInitWebhook: { url: initWebhook.url },
    });
    const client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: KEY });
    try {
      await exerciseEverything(client, sandbox);
      await receiver.waitFor(3, 5_000);
    } finally {
      await client.close();
    }
    log = sandbox.requests.filter((r) => r.endpoint !== 'control' && r.endpoint !== 'convai.conversation');
    initMessages = [...[...sandbox.conversations.values()].map((c) => c.clientData), ...initWebhook.exchanges.map((e) => e.response)].filter((m) => m !== null);
  });

  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
    await initWebhook?.close();
  });

  it('loads the subset, which names its source, and covers every sandbox endpoint with traffic', () => {
    expect(spec.doc.openapi).toMatch(/^3\.1/);
    expect(spec.doc['x-subset-of']).toMatchObject({ repo: 'elevenlabs/elevenlabs-docs', path: 'fern/apis/api/openapi.json', commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
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
    expect(spec.findOperation('POST', '/v1/convai/twilio/outbound-call')).toBeUndefined();
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
    expect(log.filter((r) => r.endpoint === 'tts' && r.status === 200).map((r) => r.query.output_format)).toEqual(['pcm_8000', 'pcm_16000', 'ulaw_8000']);
  });

  it('text-to-speech bodies the client sent validate against the requestBody schema', () => {
    const sent = log.filter((r) => (r.endpoint === 'tts' || r.endpoint === 'tts.stream') && r.status === 200);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const r of sent) {
      const op = spec.findOperation(r.method, r.path);
      if (op === undefined) throw new Error('unreachable');
      const validate = spec.requestBodyValidator(op, 'application/json');
      if (!validate(r.json)) throw new Error(`${r.path} body invalid: ${formatErrors(validate)}`);
    }
    const validate = spec.requestBodyValidator(spec.findOperation('POST', '/v1/text-to-speech/x')!, 'application/json');
    expect(validate(buildTextToSpeechRequest({ voiceId: 'x', text: 'Hallo', modelId: 'eleven_flash_v2_5' }).json)).toBe(true);
  });

  it('conversation_initiation_client_data (WebSocket opener and webhook answer) has the ConversationInitiationClientDataRequest shape', () => {
    const validate = spec.component('ConversationInitiationClientDataRequest-Input');
    expect(initMessages.length).toBeGreaterThanOrEqual(3);
    for (const message of initMessages) if (!validate(message)) throw new Error(`${JSON.stringify(message)}: ${formatErrors(validate)}`);
    for (const variant of [initiation(), initiation({ voiceId: null }), initiation({ firstMessage: null }), initiation({ voiceId: null, firstMessage: null, dynamicVariables: {} })]) {
      const message = buildConversationInitiation(variant);
      if (!validate(message)) throw new Error(formatErrors(validate));
      expect(JSON.stringify(message)).not.toMatch(/:\s*""|:null/);
    }
  });

  it('the validators reject invalid documents (they are live, not permissive)', () => {
    const tts = spec.requestBodyValidator(spec.findOperation('POST', '/v1/text-to-speech/x')!, 'application/json');
    expect(tts({ model_id: 'eleven_flash_v2_5' })).toBe(false);
    const init = spec.component('ConversationInitiationClientDataRequest-Input');
    expect(init({ ...buildConversationInitiation(initiation()), dynamic_variables: { x: { nested: 1 } } })).toBe(false);
    expect(init({ conversation_config_override: { tts: { voice_id: 5 } } })).toBe(false);
    const conversation = spec.component('GetConversationResponseModel');
    expect(conversation({ agent_id: 'a', conversation_id: 'c', status: 'bogus', transcript: [], metadata: {}, has_audio: false })).toBe(false);
    expect(spec.component('ConversationSignedUrlResponseModel')({})).toBe(false);
    expect(spec.component('GetAgentResponseModel')({ agent_id: 'a', name: 'n' })).toBe(false);
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

  it('every sandbox JSON response the spec describes validates against its response schema', () => {
    const checked = new Map<string, Set<number>>();
    for (const r of log) {
      if (r.status === undefined || r.responseBytes !== undefined) continue;
      const op = spec.findOperation(r.method, r.path);
      if (op === undefined) continue;
      const validate = spec.responseValidator(op, r.status);
      if (validate === undefined) {
        // The spec documents only 200 and 422; other errors use the business-error shape from the notes.
        expect(errorBodySchema.safeParse(r.responseJson).success).toBe(true);
        continue;
      }
      if (!validate(r.responseJson)) throw new Error(`${r.method} ${r.path} ${r.status} invalid: ${formatErrors(validate)}\n${JSON.stringify(r.responseJson)}`);
      checked.set(r.endpoint, new Set([...(checked.get(r.endpoint) ?? []), r.status]));
    }
    for (const endpoint of SANDBOX_ENDPOINTS.filter((e) => e !== 'tts' && e !== 'tts.stream')) expect(checked.get(endpoint)).toContain(200);
    for (const endpoint of ['voices.add', 'conversations.list', 'voices.list', 'tts', 'tts.stream', 'signedUrl'] as const) expect(checked.get(endpoint)).toContain(422);
  });

  it('text-to-speech answers with audio bytes, not JSON (the spec names only audio/mpeg for every output_format)', () => {
    const op = spec.findOperation('POST', '/v1/text-to-speech/x')!;
    expect(Object.keys(op.operation.responses['200']?.content ?? {})).toEqual(['audio/mpeg']);
    const audio = log.filter((r) => (r.endpoint === 'tts' || r.endpoint === 'tts.stream') && r.status === 200);
    for (const r of audio) expect(r.responseBytes).toBeGreaterThan(0);
  });

  it('GET /v1/voices: the sandbox lists premade and cloned voices (with labels) as GetVoicesResponseModel', () => {
    const op = spec.findOperation('GET', '/v1/voices');
    expect(op?.template).toBe('/v1/voices');
    expect(op?.operation.parameters?.map((p) => p.name)).toContain('show_legacy');
    const validate = spec.responseValidator(op!, 200);
    if (validate === undefined) throw new Error('GET /v1/voices has no 200 JSON schema');
    const lists = log.filter((r) => r.endpoint === 'voices.list' && r.status === 200);
    expect(lists.map((r) => r.query)).toEqual(expect.arrayContaining([{}, { show_legacy: 'true' }]));
    const voices = (lists[0]!.responseJson as { voices: { category: string; labels: Record<string, string> }[] }).voices;
    expect(voices.map((v) => v.category)).toEqual(expect.arrayContaining(['premade', 'cloned']));
    expect(voices.find((v) => v.category === 'cloned' && v.labels.accent === 'berlin')).toBeDefined();
    expect(spec.component('GetVoicesResponseModel')({ voices: [{ voice_id: 'x' }] })).toBe(false);
  });

  it('conversation responses validate in every lifecycle state', () => {
    const statuses = new Set(
      log.filter((r) => r.endpoint === 'conversations.get' && r.status === 200).map((r) => (r.responseJson as { status: string }).status),
    );
    expect([...statuses]).toEqual(expect.arrayContaining(['in-progress', 'done', 'failed']));
  });

  it('post_call_transcription webhook data has the GetConversationResponseModel shape', () => {
    const validate = spec.component('GetConversationResponseModel');
    const transcriptions = receiver.received
      .map((h) => JSON.parse(h.rawBody.toString('utf8')) as { type: string; event_timestamp: number; data: unknown })
      .filter((e) => e.type === 'post_call_transcription');
    expect(transcriptions.length).toBeGreaterThanOrEqual(3);
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
    expect(agentSchema.safeParse(example('GetAgentResponseModel')).success).toBe(true);
    expect(signedUrlSchema.safeParse({ signed_url: 'wss://x' }).success).toBe(true);
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
  const talk = async (init: ConversationInitiation) => {
    const conversation = await openAgentConversation({ url: client.agentSocketUrl(DEFAULT_AGENT_ID), initiation: init, connectTimeoutMs: 2_000 });
    const closed = new Promise((resolve) => conversation.on('close', resolve));
    return { conversation, closed };
  };

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
  await client.getVoice(RACHEL_VOICE_ID);
  await client.listVoices();
  await client.listVoices({ showLegacy: true });
  await client.createVoiceClone({ name: 'Third', samples: [makeWavSample()] });
  await swallow(client.createVoiceClone({ name: 'Over the limit', samples: [makeWavSample()] }));
  await client.deleteVoice(minimal.voiceId);
  await swallow(client.deleteVoice(minimal.voiceId));
  await swallow(client.getVoice('unknownVoice'));

  await client.textToSpeech({ voiceId: full.voiceId, text: 'Thanks for holding.' });
  await client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text: 'One moment.', outputFormat: 'pcm_16000', modelId: 'eleven_flash_v2_5' });
  await client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text: 'One moment.', outputFormat: 'ulaw_8000' });
  await raw('POST', `/v1/text-to-speech/${RACHEL_VOICE_ID}/stream?output_format=pcm_8000`, JSON.stringify({ text: 'Streaming.' }));
  await swallow(client.textToSpeech({ voiceId: 'unknownVoice', text: 'x' }));

  await client.getAgent(DEFAULT_AGENT_ID);
  await swallow(client.getAgent('agent_missing'));
  const signedUrl = await client.getSignedUrl(DEFAULT_AGENT_ID);

  // Conversations: one that runs its course, one through the signed URL we close, one that fails, one SIP call.
  const done = await talk(initiation());
  await client.getConversation(done.conversation.conversationId);
  const signed = await openAgentConversation({ url: signedUrl, initiation: initiation({ voiceId: null, userId: 'call_contract_2' }), connectTimeoutMs: 2_000 });
  signed.close();
  sandbox.setConversationFault('websocket', { kind: 'close-1011', afterMs: 20, times: 1 });
  const failed = await talk(initiation({ firstMessage: null, userId: 'call_failed' }));
  const sip = await sandbox.sip.invite({ toNumber: TRUNK_NUMBER, callerId: '+4917012345678' });
  if ('rejected' in sip) throw new Error(sip.rejected);
  await Promise.all([done.closed, failed.closed, sip.ended]);
  await sandbox.waitForConversation((c) => c.conversationId === done.conversation.conversationId && c.doneAtMs !== null && c.doneAtMs <= performance.timeOrigin + performance.now(), 3_000);
  await client.getConversation(done.conversation.conversationId);
  await client.getConversation(failed.conversation.conversationId);
  await client.getConversation(sip.conversationId);
  await swallow(client.getConversation('conv_missing'));
  await client.listConversations();
  await client.listConversations({
    agentId: DEFAULT_AGENT_ID,
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
  await raw('GET', '/v1/convai/conversations?page_size=0');
  await raw('GET', '/v1/voices?show_legacy=maybe');
  await raw('POST', `/v1/text-to-speech/${RACHEL_VOICE_ID}?output_format=wav_8000`, JSON.stringify({ text: 'x' }));
  await raw('POST', `/v1/text-to-speech/${RACHEL_VOICE_ID}/stream`, JSON.stringify({ model_id: 'm' }));
  await raw('GET', '/v1/convai/conversation/get-signed-url');
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
  inject('tts', '500');
  await swallow(client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text: 'x' }));
  inject('agents.get', 'invalid_api_key');
  await swallow(client.getAgent(DEFAULT_AGENT_ID));
}
