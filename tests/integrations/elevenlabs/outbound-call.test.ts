import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';
import {
  ElevenLabsAuthError,
  ElevenLabsNetworkError,
  ElevenLabsOutcomeUnknownError,
  ElevenLabsRateLimitError,
  ElevenLabsValidationError,
} from '../../../src/integrations/elevenlabs/errors';
import { buildOutboundCallBody, type OutboundCallParams } from '../../../src/integrations/elevenlabs/outbound-call';
import { parsePostCallWebhook, postCallUserId } from '../../../src/integrations/elevenlabs/postcall-payload';
import { type ElevenLabsSandbox, startElevenLabsSandbox } from '../../../src/integrations/elevenlabs/sandbox';
import { verifyElevenLabsSignature } from '../../../src/integrations/elevenlabs/webhook-signature';
import { closedPort, expectRejection, sleep, startWebhookReceiver, type WebhookReceiver } from './helpers';

const WEBHOOK_SECRET = 'wsec_sandbox_test';

function params(overrides: Partial<OutboundCallParams> = {}): OutboundCallParams {
  return {
    telephony: 'sip_trunk',
    agentId: 'agent_greeter',
    agentPhoneNumberId: 'phnum_3cx_trunk',
    toNumber: '+4930123456',
    voiceId: 'c38kUX8pkfYO2kHyqfFy',
    firstMessage: 'Hallo {{caller_name}}, einen Moment bitte.',
    dynamicVariables: { caller_name: 'Ana', order_id: 123, vip: true, note: null },
    userId: 'call_0001',
    ...overrides,
  };
}

describe('buildOutboundCallBody', () => {
  it('puts overrides, dynamic variables and user_id into conversation_initiation_client_data', () => {
    expect(buildOutboundCallBody(params())).toEqual({
      agent_id: 'agent_greeter',
      agent_phone_number_id: 'phnum_3cx_trunk',
      to_number: '+4930123456',
      conversation_initiation_client_data: {
        user_id: 'call_0001',
        dynamic_variables: { caller_name: 'Ana', order_id: 123, vip: true, note: null },
        conversation_config_override: {
          tts: { voice_id: 'c38kUX8pkfYO2kHyqfFy' },
          agent: { first_message: 'Hallo {{caller_name}}, einen Moment bitte.' },
        },
      },
    });
  });

  it('omits override fields that are not set instead of sending "" or null', () => {
    const body = buildOutboundCallBody(params({ voiceId: undefined, firstMessage: undefined }));
    expect(body.conversation_initiation_client_data).toEqual({ user_id: 'call_0001', dynamic_variables: expect.any(Object) as object });
    expect('conversation_config_override' in body.conversation_initiation_client_data).toBe(false);
    const voiceOnly = buildOutboundCallBody(params({ firstMessage: undefined }));
    expect(voiceOnly.conversation_initiation_client_data.conversation_config_override).toEqual({ tts: { voice_id: 'c38kUX8pkfYO2kHyqfFy' } });
  });

  it('refuses empty override values and reserved system__ variables', () => {
    expect(() => buildOutboundCallBody(params({ voiceId: '' }))).toThrow(ElevenLabsValidationError);
    expect(() => buildOutboundCallBody(params({ firstMessage: '  ' }))).toThrow(ElevenLabsValidationError);
    expect(() => buildOutboundCallBody(params({ dynamicVariables: { system__caller_id: 'x' } }))).toThrow(/system__/);
  });
});

describe('placeOutboundCall against the sandbox', () => {
  let sandbox: ElevenLabsSandbox;
  let receiver: WebhookReceiver;
  let client: ElevenLabsClient;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startElevenLabsSandbox({
      apiKey: 'test-key',
      apiLatencyMs: 1,
      outboundCallLatencyMs: 15,
      ringDurationMs: 20,
      callDurationMs: 60,
      analysisDurationMs: 20,
      webhookUrl: receiver.url,
      webhookSecret: WEBHOOK_SECRET,
      webhookRetry: { delaysMs: [20, 40, 80] },
      failNumbers: { '+4930999000': 'busy', '+4930999001': 'no-answer' },
    });
    client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: 'test-key', requestTimeoutMs: 2_000 });
  });
  afterEach(() => {
    sandbox.reset();
    sandbox.configure({ outboundCallLatencyMs: 15, ringDurationMs: 20, callDurationMs: 60, analysisDurationMs: 20 });
    receiver.received.length = 0;
    receiver.respondWith([]);
  });
  afterAll(async () => {
    await client.close();
    await sandbox.close();
    await receiver.close();
  });

  const outboundRequests = () => sandbox.requests.filter((r) => r.endpoint === 'outboundCall');

  it('sip_trunk: places the call and sends the documented body', async () => {
    const result = await client.placeOutboundCall(params());
    expect(result).toMatchObject({ telephony: 'sip_trunk', success: true, message: 'Success' });
    expect(result.conversationId).toMatch(/^conv_/);
    expect(typeof result.sipCallId).toBe('string');
    expect(result).not.toHaveProperty('callSid');
    const [record] = outboundRequests();
    expect(record?.path).toBe('/v1/convai/sip-trunk/outbound-call');
    expect(record?.json).toEqual(buildOutboundCallBody(params()));
  });

  it('twilio: returns the camel-case callSid', async () => {
    const result = await client.placeOutboundCall(params({ telephony: 'twilio' }));
    expect(result.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(result).not.toHaveProperty('sipCallId');
    expect(outboundRequests()[0]?.path).toBe('/v1/convai/twilio/outbound-call');
  });

  it('conversation progresses initiated → in-progress → done and a signed post_call_transcription arrives', async () => {
    sandbox.configure({ ringDurationMs: 150, callDurationMs: 150, analysisDurationMs: 60 });
    const { conversationId } = await client.placeOutboundCall(params());
    const seen = new Set<string>();
    let conversation = await client.getConversation(conversationId ?? '');
    while (conversation.status !== 'done') {
      seen.add(conversation.status);
      await sleep(15);
      conversation = await client.getConversation(conversationId ?? '');
    }
    expect([...seen]).toEqual(expect.arrayContaining(['initiated', 'in-progress']));
    expect(conversation.userId).toBe('call_0001');
    expect(conversation.transcript[0]).toEqual({ role: 'agent', message: 'Hallo Ana, einen Moment bitte.', timeInCallSecs: 0 });
    expect(conversation.callSuccessful).toBe('success');

    const [hook] = await receiver.waitFor(1);
    expect(hook).toBeDefined();
    const header = hook?.headers['elevenlabs-signature'];
    expect(verifyElevenLabsSignature({ rawBody: hook?.rawBody ?? '', header, secret: WEBHOOK_SECRET })).toMatchObject({ ok: true });
    expect(verifyElevenLabsSignature({ rawBody: hook?.rawBody ?? '', header, secret: 'wrong' })).toMatchObject({ ok: false, reason: 'mismatch' });

    const event = parsePostCallWebhook(hook?.rawBody);
    expect(event.kind).toBe('post_call_transcription');
    if (event.kind !== 'post_call_transcription') throw new Error('unreachable');
    expect(event.data.conversation_id).toBe(conversationId);
    expect(event.data.status).toBe('done');
    expect(postCallUserId(event)).toBe('call_0001');
    expect(event.data.conversation_initiation_client_data?.user_id).toBe('call_0001');
    expect(event.data.conversation_initiation_client_data?.dynamic_variables).toMatchObject({ caller_name: 'Ana', order_id: 123 });
    expect(event.data.conversation_initiation_client_data?.conversation_config_override?.tts?.voice_id).toBe('c38kUX8pkfYO2kHyqfFy');
    expect(Number.isInteger(event.eventTimestamp)).toBe(true);

    const delivery = await sandbox.waitForWebhookDelivery((d) => d.conversationId === conversationId);
    expect(delivery).toMatchObject({ type: 'post_call_transcription', attempt: 1, status: 200, delivered: true });
  });

  it.each([
    ['+4930999000', 'busy'],
    ['+4930999001', 'no-answer'],
  ])('an unreachable number (%s) yields call_initiation_failure (%s)', async (toNumber, reason) => {
    const { conversationId } = await client.placeOutboundCall(params({ toNumber, telephony: 'twilio' }));
    const [hook] = await receiver.waitFor(1);
    const event = parsePostCallWebhook(hook?.rawBody);
    expect(event).toMatchObject({ kind: 'call_initiation_failure', data: { conversation_id: conversationId, failure_reason: reason, metadata: { type: 'twilio' } } });
    expect((await client.getConversation(conversationId ?? '')).status).toBe('failed');
  });

  it('retries the webhook on 5xx and every attempt is signed', async () => {
    receiver.respondWith([500, 503]);
    const { conversationId } = await client.placeOutboundCall(params());
    const hooks = await receiver.waitFor(3);
    expect(hooks.map((h) => h.status)).toEqual([500, 503, 200]);
    for (const h of hooks) {
      expect(verifyElevenLabsSignature({ rawBody: h.rawBody, header: h.headers['elevenlabs-signature'], secret: WEBHOOK_SECRET }).ok).toBe(true);
    }
    const final = await sandbox.waitForWebhookDelivery((d) => d.conversationId === conversationId && d.delivered);
    expect(final.attempt).toBe(3);
    expect(sandbox.webhookDeliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
  });

  it('does not retry a webhook answered with 4xx', async () => {
    receiver.respondWith([400]);
    await client.placeOutboundCall(params());
    await receiver.waitFor(1);
    await sleep(150);
    expect(receiver.received).toHaveLength(1);
  });

  describe('not placed', () => {
    it('connection refused → retryable network error, not outcome-unknown', async () => {
      const dead = new ElevenLabsClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: 'k' });
      try {
        const error = await expectRejection(dead.placeOutboundCall(params()), ElevenLabsNetworkError);
        expect(error.retryable).toBe(true);
      } finally {
        await dead.close();
      }
    });

    it('429 → retryable rate-limit error and no conversation exists', async () => {
      sandbox.setFailure('outboundCall', { kind: '429', times: 1, retryAfter: '1' });
      const error = await expectRejection(client.placeOutboundCall(params()), ElevenLabsRateLimitError);
      expect(error.retryAfterMs).toBe(1000);
      expect(sandbox.conversations.size).toBe(0);
      expect(outboundRequests()).toHaveLength(1);
    });

    it('401 → non-retryable auth error', async () => {
      sandbox.setFailure('outboundCall', { kind: 'invalid_api_key', times: 1 });
      await expectRejection(client.placeOutboundCall(params()), ElevenLabsAuthError);
      expect(sandbox.conversations.size).toBe(0);
    });
  });

  describe('outcome unknown (never retried; reconcile by user_id)', () => {
    it('timeout after the request was sent: the call was placed, and listConversations finds it', async () => {
      sandbox.setFailure('outboundCall', { kind: 'timeout', times: 1, applyEffect: true });
      const startedUnix = Math.floor(Date.now() / 1000);
      const error = await expectRejection(client.placeOutboundCall(params({ userId: 'call_timeout', timeoutMs: 150 })), ElevenLabsOutcomeUnknownError);
      expect(error).toMatchObject({ reason: 'timeout', retryable: false });
      expect(outboundRequests()).toHaveLength(1);

      await sleep(30);
      const page = await client.listConversations({ agentId: 'agent_greeter', userId: 'call_timeout', callStartAfterUnix: startedUnix });
      expect(page.conversations).toHaveLength(1);
      expect(page.conversations[0]).toMatchObject({ agentId: 'agent_greeter', direction: 'outbound' });
      const other = await client.listConversations({ agentId: 'agent_greeter', userId: 'someone_else' });
      expect(other.conversations).toHaveLength(0);
    });

    it('5xx → outcome unknown, keeping the API message', async () => {
      sandbox.setFailure('outboundCall', { kind: '500', times: 1 });
      const error = await expectRejection(client.placeOutboundCall(params()), ElevenLabsOutcomeUnknownError);
      expect(error).toMatchObject({ reason: 'server_error', status: 500, code: 'something_went_wrong' });
      expect(error.apiMessage).toContain('not charged');
      expect(outboundRequests()).toHaveLength(1);
    });

    it('socket reset before the response → outcome unknown', async () => {
      sandbox.setFailure('outboundCall', { kind: 'reset', times: 1, applyEffect: true });
      const error = await expectRejection(client.placeOutboundCall(params({ userId: 'call_reset' })), ElevenLabsOutcomeUnknownError);
      expect(error.reason).toBe('network');
      expect(outboundRequests()).toHaveLength(1);
      const page = await client.listConversations({ userId: 'call_reset' });
      expect(page.conversations).toHaveLength(1);
    });

    it('caller abort after sending → outcome unknown', async () => {
      sandbox.configure({ outboundCallLatencyMs: 300 });
      const controller = new AbortController();
      const pending = client.placeOutboundCall(params({ signal: controller.signal }));
      await sandbox.waitForRequest((r) => r.endpoint === 'outboundCall' && r.bodyBytes > 0);
      controller.abort();
      const error = await expectRejection(pending, ElevenLabsOutcomeUnknownError);
      expect(error.reason).toBe('aborted');
    });
  });

  it('listConversations filters by time and paginates', async () => {
    for (const userId of ['u1', 'u2', 'u3']) await client.placeOutboundCall(params({ userId }));
    const all = await client.listConversations({ agentId: 'agent_greeter' });
    expect(all.conversations).toHaveLength(3);
    expect(all.hasMore).toBe(false);
    const first = await client.listConversations({ agentId: 'agent_greeter', pageSize: 2 });
    expect(first.conversations).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = await client.listConversations({ agentId: 'agent_greeter', pageSize: 2, cursor: first.nextCursor ?? '' });
    expect(second.conversations).toHaveLength(1);
    const ids = new Set([...first.conversations, ...second.conversations].map((c) => c.conversationId));
    expect(ids.size).toBe(3);
    const future = await client.listConversations({ callStartAfterUnix: Math.floor(Date.now() / 1000) + 60 });
    expect(future.conversations).toHaveLength(0);
    expect(sandbox.requests.find((r) => r.endpoint === 'conversations.list' && r.query.page_size === '2')?.query).toMatchObject({ agent_id: 'agent_greeter' });
  });
});
