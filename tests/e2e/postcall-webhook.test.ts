import { signElevenLabsPayload } from '../../src/integrations/elevenlabs/webhook-signature';
import { callResult, callStatus, cloneRequests, eventually, placeCall, uniqueCaller } from '../support/calls';
import { startTestStack, TEST_ELEVENLABS_WEBHOOK_SECRET, type TestStack } from '../support/stack';

jest.setTimeout(60_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { CLONE_MAX_WAIT_SECONDS: '20', POST_CALL_GRACE_SECONDS: '1' } });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 }, webhookUrl: `${stack.apiUrl}/webhook/elevenlabs/postcall` });
});

async function postWebhook(payload: unknown, { secret = TEST_ELEVENLABS_WEBHOOK_SECRET, t = Math.floor(Date.now() / 1000), signature }: { secret?: string; t?: number; signature?: string } = {}) {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${stack.apiUrl}/webhook/elevenlabs/postcall`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'elevenlabs-signature': signature ?? signElevenLabsPayload(raw, secret, t) },
    body: raw,
  });
  return { status: res.status, json: (await res.json()) as any };
}

function transcription(conversationId: string, userId: string | null, text = 'Thanks, goodbye.') {
  return {
    type: 'post_call_transcription',
    event_timestamp: Math.floor(Date.now() / 1000),
    data: {
      agent_id: 'agent_test',
      conversation_id: conversationId,
      status: 'done',
      user_id: userId,
      transcript: [
        { role: 'agent', message: 'How can I help you today?', time_in_call_secs: 0 },
        { role: 'user', message: text, time_in_call_secs: 4 },
      ],
      metadata: { start_time_unix_secs: Math.floor(Date.now() / 1000) - 30, call_duration_secs: 31 },
    },
  };
}

describe('POST /webhook/elevenlabs/postcall', () => {
  test('a signed transcription completes the call once; a re-delivery changes nothing', async () => {
    stack.sandbox.configure({ webhookUrl: 'http://127.0.0.1:9/nowhere' });
    const { workflowId } = await placeCall(stack);
    const status = await eventually(() => callStatus(stack, workflowId), (s) => s.phase === 'in_agent_call');
    const payload = transcription(status.conversations.agent!, workflowId, 'Please call me back tomorrow.');

    const first = await postWebhook(payload);
    expect(first).toEqual({ status: 200, json: expect.objectContaining({ status: 'delivered', callId: workflowId, type: 'post_call_transcription' }) });
    const outcome = await callResult(stack, workflowId);
    expect(outcome.phase).toBe('completed');
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row).toMatchObject({ durationSeconds: 31, transcript: 'agent: How can I help you today?\nuser: Please call me back tomorrow.' });

    const again = await postWebhook(payload);
    expect(again.json.status).toBe('duplicate');
    expect(await stack.db.prisma.postCallEvent.count({ where: { conversationId: status.conversations.agent! } })).toBe(1);
  });

  test('a call_initiation_failure without user_id is routed by its conversation id and stops the call', async () => {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    stack.sandbox.configure({ cloneLatencyMs: 5000 });
    const { workflowId } = await placeCall(stack, { caller_id: caller });
    const status = await eventually(() => callStatus(stack, workflowId), (s) => s.phase === 'cloning' && s.conversations.greeting !== null);
    const res = await postWebhook({
      type: 'call_initiation_failure',
      event_timestamp: Math.floor(Date.now() / 1000),
      data: { agent_id: 'agent_test', conversation_id: status.conversations.greeting, failure_reason: 'busy', metadata: { type: 'sip', body: {} } },
    });
    expect(res.json).toMatchObject({ status: 'delivered', callId: workflowId });
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'greeting_not_connected', conversations: { agent: null } });
  });

  test('bad, stale or missing signatures → 401 and nothing stored', async () => {
    const payload = transcription('conv_forged', 'call-acme.3cx.eu-1');
    const before = await stack.db.prisma.postCallEvent.count();
    expect((await postWebhook(payload, { secret: 'wrong' })).status).toBe(401);
    const stale = await postWebhook(payload, { t: Math.floor(Date.now() / 1000) - 31 * 60 });
    expect(stale).toEqual({ status: 401, json: { error: expect.objectContaining({ code: 'invalid_signature', details: { reason: 'stale' } }) } });
    expect((await postWebhook(payload, { signature: 'garbage' })).status).toBe(401);
    expect(await stack.db.prisma.postCallEvent.count()).toBe(before);
  });

  test('unknown and audio events are acknowledged and ignored; malformed ones get 400', async () => {
    expect(await postWebhook({ type: 'voice_removal_notice', event_timestamp: 1, data: {} })).toEqual({ status: 200, json: { status: 'ignored', type: 'voice_removal_notice' } });
    expect((await postWebhook({ type: 'post_call_audio', event_timestamp: 1, data: { agent_id: 'a', conversation_id: 'c', full_audio: 'AAAA' } })).json.status).toBe('ignored');
    const malformed = await postWebhook({ type: 'post_call_transcription', event_timestamp: 1, data: { conversation_id: 42 } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('validation_failed');
  });

  test('a webhook for a call we do not know is stored for the record and acknowledged', async () => {
    const res = await postWebhook(transcription(`conv_unknown_${Date.now()}`, null));
    expect(res.json).toMatchObject({ status: 'stored', reason: 'unknown_call' });
  });
});

describe('GET /api/clone-status/:callerId', () => {
  test('not_started → cloning → ready with the cached voice', async () => {
    const caller = uniqueCaller();
    const get = async () => (await fetch(`${stack.apiUrl}/api/clone-status/${encodeURIComponent(caller)}`)).json() as Promise<any>;
    expect(await get()).toMatchObject({ clone_ready: false, status: 'not_started', cloned_voice_id: null });
    await stack.registerVoiceSample(caller);
    stack.sandbox.configure({ cloneLatencyMs: 1500 });
    const clonesBefore = cloneRequests(stack).length;
    const { workflowId } = await placeCall(stack, { caller_id: caller });
    expect(await eventually(get, (s) => s.status === 'cloning')).toMatchObject({ status: 'cloning', clone_ready: false });
    await callResult(stack, workflowId);
    const ready = await get();
    expect(ready).toMatchObject({ clone_ready: true, status: 'ready', cloned_voice_id: expect.any(String) });
    expect(Date.parse(ready.expires_at)).toBeGreaterThan(Date.now());
    expect(cloneRequests(stack).length - clonesBefore).toBe(1);
    expect((await fetch(`${stack.apiUrl}/api/clone-status/not-a-number`)).status).toBe(400);
  });
});
