import { signElevenLabsPayload } from '../../src/integrations/elevenlabs/webhook-signature';
import { postCallTranscription } from '../support/post-call-transcription';
import { cacheCloneFor, callResult, eventually, reachPhase, uniqueCaller } from '../support/live-call';
import { startTestStack, SHORT_GREETING, TEST_ELEVENLABS_WEBHOOK_SECRET, type TestStack } from '../support/stack';

// ElevenLabs' post-call webhook on the live call path: the conversation id is on record as soon as
// the agent speaks, so the webhook (signed, re-delivered, with or without user_id) or, when it
// never comes, the conversation fetched from ElevenLabs completes call_log.
jest.setTimeout(60_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { GREETING_MESSAGE: SHORT_GREETING, CLONE_MAX_WAIT_SECONDS: '20', POST_CALL_GRACE_SECONDS: '2' }, sandbox: { callDurationMs: 2_000 } });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 }, webhookUrl: `${stack.apiUrl}/webhook/elevenlabs/postcall`, callDurationMs: 2_000 });
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
  const transcript = [
    { role: 'agent', message: 'How can I help you today?', time_in_call_secs: 0 },
    { role: 'user', message: text, time_in_call_secs: 4 },
  ];
  return postCallTranscription(conversationId, userId, { transcript, callDurationSecs: 31 });
}

/** A call whose agent conversation has ended, and whose post-call webhook the sandbox does not send (the test sends it, or nobody). */
async function callWithoutWebhook() {
  stack.sandbox.configure({ webhookUrl: 'http://127.0.0.1:9/nowhere' });
  const caller = uniqueCaller();
  await cacheCloneFor(stack, caller);
  const { call, workflowId } = stack.dial(caller);
  const conversationId = (await reachPhase(stack, workflowId, 'in_agent_call')).conversationId!;
  await stack.sandbox.waitForConversation((c) => c.conversationId === conversationId && c.endedAtMs !== null, 10_000);
  return { call, workflowId, conversationId };
}

describe('the post-call webhook completes the call', () => {
  test('sent by ElevenLabs: call_log gets the transcript and the duration; the conversation id was on record before it', async () => {
    const caller = uniqueCaller();
    await cacheCloneFor(stack, caller);
    stack.sandbox.configure({ callDurationMs: 3_000 });
    const { workflowId } = stack.dial(caller);
    const talking = await reachPhase(stack, workflowId, 'in_agent_call');
    // While the caller still talks to the agent: ElevenLabs' webhooks and the lost-webhook recovery can find the call.
    const link = await stack.db.prisma.callConversation.findUnique({ where: { conversationId: talking.conversationId! } });
    expect(link).toMatchObject({ callId: workflowId });
    expect(stack.sandbox.conversations.get(talking.conversationId!)!.endedAtMs).toBeNull();

    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', conversationId: talking.conversationId });
    const conversation = stack.sandbox.conversations.get(talking.conversationId!)!;
    const delivery = stack.sandbox.webhookDeliveries.find((d) => d.conversationId === conversation.conversationId && d.delivered);
    expect(delivery).toBeDefined();
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row.durationSeconds).toBe(Math.floor((conversation.endedAtMs! - conversation.startedAtMs) / 1000));
    expect(row.transcript).toBe(conversation.transcript.map((t) => `${t.role}: ${t.message}`).join('\n'));
    expect(await stack.db.prisma.postCallEvent.count({ where: { conversationId: conversation.conversationId, deliveredAt: { not: null } } })).toBe(1);
  });

  test('a signed transcription completes the call once; a re-delivery changes nothing', async () => {
    const { workflowId, conversationId } = await callWithoutWebhook();
    const payload = transcription(conversationId, workflowId, 'Please call me back tomorrow.');
    const first = await postWebhook(payload);
    expect(first).toEqual({ status: 200, json: expect.objectContaining({ status: 'delivered', callId: workflowId, type: 'post_call_transcription' }) });
    expect((await callResult(stack, workflowId)).phase).toBe('completed');
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row).toMatchObject({ durationSeconds: 31, transcript: 'agent: How can I help you today?\nuser: Please call me back tomorrow.' });

    const again = await postWebhook(payload);
    expect(again.json.status).toBe('duplicate');
    expect(await stack.db.prisma.postCallEvent.count({ where: { conversationId } })).toBe(1);
  });

  test('a transcription without user_id is routed by the conversation id on record', async () => {
    const { workflowId, conversationId } = await callWithoutWebhook();
    const res = await postWebhook(transcription(conversationId, null, 'No user id here.'));
    expect(res.json).toMatchObject({ status: 'delivered', callId: workflowId });
    await callResult(stack, workflowId);
    expect((await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).transcript).toMatch(/No user id here\./);
  });

  test('no webhook at all: after POST_CALL_GRACE_SECONDS the call fetches the conversation from ElevenLabs', async () => {
    const { workflowId, conversationId } = await callWithoutWebhook();
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', conversationId });
    expect(stack.sandbox.requests.some((r) => r.endpoint === 'conversations.get' && r.path.endsWith(conversationId))).toBe(true);
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row.transcript).toMatch(/^agent: /);
    expect(row.durationSeconds).not.toBeNull();
  });
});

describe('POST /webhook/elevenlabs/postcall refuses what it must', () => {
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
    const clonesBefore = stack.sandbox.requests.filter((r) => r.endpoint === 'voices.add').length;
    const { workflowId } = stack.dial(caller);
    expect(await eventually(get, (s) => s.status === 'cloning')).toMatchObject({ status: 'cloning', clone_ready: false });
    await callResult(stack, workflowId);
    const ready = await get();
    expect(ready).toMatchObject({ clone_ready: true, status: 'ready', cloned_voice_id: expect.any(String) });
    expect(Date.parse(ready.expires_at)).toBeGreaterThan(Date.now());
    expect(stack.sandbox.requests.filter((r) => r.endpoint === 'voices.add').length - clonesBefore).toBe(1);
    expect((await fetch(`${stack.apiUrl}/api/clone-status/not-a-number`)).status).toBe(400);
  });
});
