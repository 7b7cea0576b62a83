import { RACHEL_VOICE_ID } from '../../simulators/elevenlabs';
import { humanVoiceId, speechDurationMs } from '../../simulators/audio';
import { startTestStack, TEST_AGENT, TEST_DEFAULT_VOICE, TEST_FALLBACK_QUEUE, TEST_INIT_WEBHOOK_SECRET, TEST_SIP_NUMBERS, TEST_SIP_PREFIX, type TestStack } from '../support/stack';
import { cacheCloneFor, callResult, deadAir, describeHeard, eventually, firstHeard, heard, lastHeard, maybeRecordHistory, uniqueCaller } from '../support/live-call';

// HANDOFF_MODE=sip, end to end: the gateway greets and holds the caller, then 3CX routes the call
// (routeto, outbound-rule prefix + an ElevenLabs SIP number) while the music plays; ElevenLabs'
// inbound SIP call asks our conversation-init webhook how to start, and the agent speaks in the
// voice the workflow chose. Proved from what the caller heard, the rows written and the webhook's answers.
jest.setTimeout(60_000);

/** The ElevenLabs number answers this long after 3CX starts routing (a SIP call takes a moment to connect). */
const SIP_RING_MS = 800;
/** Longer than the ring, so a voice that is ready at once would be routed mid-greeting. */
const GREETING = 'Hello, thanks for calling. Please hold.';
/** The sandbox agent's first-audio latency (≤ 200 ms in the stack) and a frame or two of margin. */
const SWITCH_GAP_MAX_MS = 300;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    env: { HANDOFF_MODE: 'sip', GREETING_MESSAGE: GREETING, CLONE_MAX_WAIT_SECONDS: '2', POST_CALL_GRACE_SECONDS: '1', FALLBACK_DESTINATION: TEST_FALLBACK_QUEUE },
    sandbox: { callDurationMs: 3_000 },
    sipRingMs: SIP_RING_MS,
  });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.sipRing.ms = SIP_RING_MS;
  stack.pbx.clearFaults();
  stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 } });
  for (const call of stack.pbx.calls) if (call.state !== 'ended') call.hangUp();
});

const routedTo = (n: string) => `${TEST_SIP_PREFIX}${n.slice(1)}`;

async function postInit(body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TEST_INIT_WEBHOOK_SECRET}` }) {
  const started = performance.now();
  const res = await fetch(`${stack.apiUrl}/webhook/elevenlabs/conversation-init`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any, ms: performance.now() - started };
}

/** A call whose voice is `voice`; returns what the caller heard with the agent's voice marked. */
async function sipCall(caller: string, expectedVoice?: string) {
  const { call, workflowId } = stack.dial(caller);
  const outcome = await callResult(stack, workflowId);
  const voiceId = expectedVoice ?? outcome.voice.voiceId!;
  const greetingVoice = stack.config.greeting.voiceId;
  const segments = heard(call, [greetingVoice, voiceId]);
  return { call, workflowId, outcome, voiceId, segments, agentAt: firstHeard(segments, voiceId), timeline: describeHeard(segments) };
}

test('fresh clone: the agent on the SIP trunk speaks with the caller’s new clone', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  const { outcome, voiceId, agentAt, timeline } = await sipCall(caller);
  expect(outcome.voice).toMatchObject({ source: 'clone', fallbackReason: null });
  expect({ agentAt, timeline }).toEqual({ agentAt: expect.any(Number), timeline });
  const cache = await stack.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: caller, deletedAt: null } });
  expect(cache.clonedVoiceId).toBe(voiceId);
});

test('cache hit: music while 3CX routes to the ElevenLabs number, then the agent in the cached voice; hand-off row first, matched by the webhook; post-call data completes call_log', async () => {
  const caller = uniqueCaller();
  const voiceId = await cacheCloneFor(stack, caller);
  const { call, workflowId, outcome, segments, agentAt, timeline } = await sipCall(caller, voiceId);
  await maybeRecordHistory(stack, workflowId, 'call-sip-cache-hit');

  expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'cache', voiceId, fallbackReason: null } });
  expect({ agentAt, timeline }).toEqual({ agentAt: expect.any(Number), timeline });
  // The voice was ready long before the greeting ended: still the whole greeting, then music while
  // the route rings, without a gap; then the agent, once the trunk answered and the agent spoke.
  const greetingVoice = stack.config.greeting.voiceId;
  const greetingEnd = lastHeard(segments, greetingVoice)!;
  expect(greetingEnd - firstHeard(segments, greetingVoice)!).toBeGreaterThanOrEqual(speechDurationMs(GREETING) - 100);
  const musicEnd = segments.filter((s) => s.label === 'audio' && s.endMs <= agentAt!).at(-1)?.endMs ?? greetingEnd;
  expect(musicEnd).toBeGreaterThan(greetingEnd);
  expect(deadAir(segments, musicEnd)).toBeLessThan(200);
  // 3CX connects the caller to the trunk when it answers: then nothing until the agent's first word.
  expect(agentAt! - musicEnd).toBeLessThan(SWITCH_GAP_MAX_MS);

  // 3CX was asked to route to prefix + an ElevenLabs number, after the pending hand-off was written.
  const [route] = call.routeAttempts;
  expect(route).toMatchObject({ action: 'routeto', outcome: 'answered' });
  expect(TEST_SIP_NUMBERS.map(routedTo)).toContain(route!.destination);
  expect(call.connectedTo).toEqual({ kind: 'external', destination: route!.destination });
  const pending = await stack.db.prisma.pendingHandoff.findFirstOrThrow({ where: { callId: workflowId } });
  expect(pending).toMatchObject({ attempt: 1, voiceId, voiceSource: 'cache', callerId: caller, releasedAt: null });
  expect(routedTo(pending.sipNumber)).toBe(route!.destination);
  expect(pending.createdAt.getTime()).toBeLessThanOrEqual(route!.at);
  expect(pending.matchedAt).not.toBeNull();

  // The sandbox's inbound SIP call asked our webhook and used its answer.
  const conversation = [...stack.sandbox.conversations.values()].find((c) => c.userId === workflowId)!;
  expect(conversation).toMatchObject({ channel: 'sip', voiceId, userId: workflowId });
  expect(pending.conversationId).toBe(conversation.conversationId);
  const init = stack.sandbox.initWebhookCalls.find((r) => r.conversationId === conversation.conversationId)!;
  expect(init).toMatchObject({ status: 200, outcome: 'used' });
  expect(init.requestHeaders).toEqual({ Authorization: `Bearer ${TEST_INIT_WEBHOOK_SECRET}` });

  const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
  expect(row).toMatchObject({ status: 'completed', clonedVoiceId: voiceId, metadata: expect.objectContaining({ handoff_mode: 'sip', sip_number: pending.sipNumber }) });
  expect(row.transcript).toMatch(/agent: /);
  expect(row.durationSeconds).toBe(Math.floor((conversation.endedAtMs! - conversation.startedAtMs) / 1000));
});

// 3CX hands the caller to the trunk the moment it answers, dropping what our stream had queued
// (up to THREECX_PLAYBACK_LEAD_MS): the route may start only once the greeting has been heard.
test('a trunk that answers at once still leaves the caller the whole greeting', async () => {
  stack.sipRing.ms = 0;
  const caller = uniqueCaller();
  const voiceId = await cacheCloneFor(stack, caller);
  const { outcome, segments, timeline } = await sipCall(caller, voiceId);
  expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'cache', voiceId } });
  const greetingVoice = stack.config.greeting.voiceId;
  const greetingHeardMs = lastHeard(segments, greetingVoice)! - firstHeard(segments, greetingVoice)!;
  // The ear tells voices apart per 20 ms frame: one frame of slack.
  expect({ greetingHeardMs: greetingHeardMs >= speechDurationMs(GREETING) - 20, timeline }).toEqual({ greetingHeardMs: true, timeline });
});

test('the caller hangs up while 3CX routes to the trunk: abandoned, no agent conversation, call_log final', async () => {
  stack.sipRing.ms = 3_000;
  const caller = uniqueCaller();
  await cacheCloneFor(stack, caller);
  const { call, workflowId } = stack.dial(caller);
  await eventually(() => call.routeAttempts.length, (n) => n > 0);
  call.hangUp();
  expect(await callResult(stack, workflowId)).toMatchObject({ phase: 'abandoned' });
  // Past the ring: the trunk never answered a call that was gone, so no agent ever talked.
  await new Promise((r) => setTimeout(r, stack.sipRing.ms));
  expect([...stack.sandbox.conversations.values()].filter((c) => c.userId === workflowId)).toEqual([]);
  expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'abandoned' });
  // Nothing was dialled for the caller after they left, and every number leased for the call is
  // free again: no pending hand-off of it can be matched by another call.
  expect(call.routeAttempts).toHaveLength(1);
  const rows = await stack.db.prisma.pendingHandoff.findMany({ where: { callId: workflowId } });
  expect(rows.filter((r) => r.releasedAt === null)).toEqual([]);
});

test('clone too slow: the agent speaks in the default voice', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.configure({ cloneLatencyMs: 4_000 });
  const { outcome, agentAt, timeline } = await sipCall(caller, TEST_DEFAULT_VOICE);
  expect(outcome.voice).toEqual({ source: 'default', voiceId: TEST_DEFAULT_VOICE, fallbackReason: 'clone_timeout' });
  expect({ agentAt, timeline }).toEqual({ agentAt: expect.any(Number), timeline });
});

describe('the route fails', () => {
  test('once: the next ElevenLabs number is tried, and the agent answers there', async () => {
    stack.pbx.fault('route-failure', { times: 1 });
    const caller = uniqueCaller();
    const voiceId = await cacheCloneFor(stack, caller);
    const { call, workflowId, outcome, agentAt, timeline } = await sipCall(caller, voiceId);
    expect(outcome.phase).toBe('completed');
    expect({ agentAt, timeline }).toEqual({ agentAt: expect.any(Number), timeline });
    expect(call.routeAttempts.map((a) => a.outcome)).toEqual(['failed', 'answered']);
    expect(new Set(call.routeAttempts.map((a) => a.destination)).size).toBe(2);
    const rows = await stack.db.prisma.pendingHandoff.findMany({ where: { callId: workflowId }, orderBy: { attempt: 'asc' } });
    expect(rows.map((r) => ({ attempt: r.attempt, released: r.releasedAt !== null, matched: r.matchedAt !== null }))).toEqual([
      { attempt: 1, released: true, matched: false },
      { attempt: 2, released: false, matched: true },
    ]);
  });

  test('on every number: the caller goes to FALLBACK_DESTINATION, where the human answers; failed/route_failed', async () => {
    stack.pbx.fault('route-failure', { times: 2 });
    const caller = uniqueCaller();
    const voiceId = await cacheCloneFor(stack, caller);
    const { call, workflowId } = stack.dial(caller);
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'route_failed', fallback: { destination: TEST_FALLBACK_QUEUE, outcome: 'routed' } });
    const human = humanVoiceId(TEST_FALLBACK_QUEUE);
    const humanAt = await eventually(() => firstHeard(heard(call, [human]), human), (at) => at !== null, 5_000);
    const segments = heard(call, [stack.config.greeting.voiceId, voiceId, human]);
    expect({ humanAt, timeline: describeHeard(segments) }).toEqual({ humanAt: expect.any(Number), timeline: describeHeard(segments) });
    expect(firstHeard(segments, voiceId)).toBeNull();
    expect(deadAir(segments, humanAt!)).toBeLessThan(200);
    expect(call.routeAttempts.map((a) => a.destination).at(-1)).toBe(TEST_FALLBACK_QUEUE);
    expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'failed' });
  });
});

describe('POST /webhook/elevenlabs/conversation-init', () => {
  test('an unknown call is answered without overrides (the agent’s own voice), never an error', async () => {
    const res = await postInit({ caller_id: '+4915100000001', agent_id: TEST_AGENT, called_number: TEST_SIP_NUMBERS[0], call_sid: 'sid-unknown' });
    expect(res.status).toBe(200);
    expect(res.json.conversation_config_override).toBeUndefined();
    expect(res.json).toMatchObject({ type: 'conversation_initiation_client_data', dynamic_variables: expect.objectContaining({ voice_source: 'default' }) });
    // An inbound SIP call nobody handed off starts in the agent's configured voice.
    const sip = await stack.sandbox.sip.invite({ toNumber: TEST_SIP_NUMBERS[1]!, callerId: '+4915100000002' });
    if ('rejected' in sip) throw new Error(sip.rejected);
    sip.hangUp();
    expect(stack.sandbox.conversations.get(sip.conversationId)).toMatchObject({ voiceId: RACHEL_VOICE_ID });
  });

  test('an expired hand-off is not used: the answer has no overrides', async () => {
    const callerId = uniqueCaller();
    await stack.db.prisma.pendingHandoff.create({
      data: {
        callId: 'call-expired-1',
        attempt: 1,
        sipNumber: TEST_SIP_NUMBERS[0]!,
        callerId,
        voiceId: TEST_DEFAULT_VOICE,
        voiceSource: 'default',
        initiationData: { type: 'conversation_initiation_client_data', dynamic_variables: {}, conversation_config_override: { tts: { voice_id: TEST_DEFAULT_VOICE } }, user_id: 'call-expired-1' },
        expiresAt: new Date(Date.now() - 1_000),
      },
    });
    const res = await postInit({ caller_id: callerId, agent_id: TEST_AGENT, called_number: TEST_SIP_NUMBERS[0], call_sid: 'sid-expired' });
    expect(res.status).toBe(200);
    expect(res.json.conversation_config_override).toBeUndefined();
    expect(res.json.user_id).not.toBe('call-expired-1');
    expect((await stack.db.prisma.pendingHandoff.findFirstOrThrow({ where: { callId: 'call-expired-1' } })).matchedAt).toBeNull();
  });

  test('a missing or wrong secret → 401, and no hand-off is consumed', async () => {
    const body = { caller_id: '+4915100000003', agent_id: TEST_AGENT, called_number: TEST_SIP_NUMBERS[0] };
    expect((await postInit(body, {})).status).toBe(401);
    expect((await postInit(body, { authorization: 'Bearer wrong-secret' })).status).toBe(401);
    expect((await postInit(body, { authorization: TEST_INIT_WEBHOOK_SECRET })).status).toBe(401);
  });
});
