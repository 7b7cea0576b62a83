import { startTestStack, TEST_DEFAULT_VOICE, type TestStack } from '../support/stack';
import { voiceCloneWorkflowId } from '../../src/temporal/caller-key';
import { cacheCloneFor, callResult, deadAir, describeHeard, eventually, expectAgentAfterGreeting, firstHeard, heard, maybeRecordHistory, uniqueCaller } from '../support/live-call';

// The product end to end, bridge mode: a caller dials the DID on the simulated 3CX; the gateway
// greets and holds them on that call and hands the same call to the ElevenLabs agent (sandbox)
// speaking in the chosen voice. Asserted on what the caller heard (voices are tone signatures),
// the call's final row and the records, over real Temporal, PostgreSQL, HTTP and WebSockets.
jest.setTimeout(90_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { CLONE_MAX_WAIT_SECONDS: '4', POST_CALL_GRACE_SECONDS: '2' } });
});
afterAll(async () => {
  await stack?.stop();
});

test('cache hit: the greeting, then the agent in the cached voice — on the call the caller made, no dead air', async () => {
  const caller = uniqueCaller();
  const voiceId = await cacheCloneFor(stack, caller);
  const { call, workflowId } = stack.dial(caller);
  const outcome = await callResult(stack, workflowId);

  expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'cache', voiceId, fallbackReason: null } });
  const greetingVoice = stack.config.greeting.voiceId;
  const segments = heard(call, [greetingVoice, voiceId]);
  const timeline = describeHeard(segments);
  const greetingAt = firstHeard(segments, greetingVoice);
  const agentAt = firstHeard(segments, voiceId);
  expect({ greetingAt, timeline }).toEqual({ greetingAt: expect.any(Number), timeline });
  expect(greetingAt!).toBeLessThan(1000);
  expect(agentAt).not.toBeNull();
  expect(agentAt!).toBeGreaterThan(greetingAt!);
  // The cached voice is ready at once: the agent follows the greeting (music only if it is slower to speak).
  expect({ deadAir: deadAir(segments, agentAt!), timeline }).toEqual({ deadAir: expect.any(Number), timeline });
  expect(deadAir(segments, agentAt!)).toBeLessThan(200);

  const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
  expect(row).toMatchObject({ status: 'completed', clonedVoiceId: voiceId });
  expect(row.transcript).toMatch(/agent: /);
  const conversation = await stack.db.prisma.callConversation.findFirstOrThrow({ where: { callId: workflowId } });
  expect(conversation.conversationId).toBe(outcome.conversationId);
  expect(call.connectedTo?.kind).toBe('route_point');
  await maybeRecordHistory(stack, workflowId, 'call-bridge-cache-hit');
});

test('fresh clone: the caller’s sample is cloned once while they hold, and the agent speaks with the clone', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  const { call, workflowId } = stack.dial(caller);
  const outcome = await callResult(stack, workflowId);
  expect(outcome.voice.source).toBe('clone');
  const segments = heard(call, [stack.config.greeting.voiceId, outcome.voice.voiceId!]);
  expect(firstHeard(segments, outcome.voice.voiceId!)).not.toBeNull();
  const cache = await stack.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: caller, deletedAt: null } });
  expect(cache.clonedVoiceId).toBe(outcome.voice.voiceId);
  await maybeRecordHistory(stack, workflowId, 'call-bridge-clone');
  await maybeRecordHistory(stack, voiceCloneWorkflowId(caller), 'voice-clone');
});

test('clone slower than CLONE_MAX_WAIT_SECONDS: the agent speaks in the default voice; the late clone still fills the cache', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.configure({ cloneLatencyMs: 6000 });
  try {
    const { call, workflowId } = stack.dial(caller);
    const outcome = await callResult(stack, workflowId);
    expect(outcome.voice).toEqual({ source: 'default', voiceId: stack.config.call.defaultVoiceId, fallbackReason: 'clone_timeout' });
    expectAgentAfterGreeting(stack, call, TEST_DEFAULT_VOICE);
    await maybeRecordHistory(stack, workflowId, 'call-bridge-clone-timeout');
    const cached = await eventually(() => stack.db.prisma.voiceCloneCache.findFirst({ where: { callerId: caller, deletedAt: null } }), (r) => r !== null, 15_000);
    expect(cached).not.toBeNull();
  } finally {
    stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 } });
  }
});

test('the caller hangs up during the hold: abandoned, the music stops, no agent conversation is started', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.configure({ cloneLatencyMs: 4000 });
  try {
    const { call, workflowId } = stack.dial(caller);
    await eventually(() => call.heard([stack.config.greeting.voiceId]), (s) => s.some((x) => x.label === 'voice' && x.endMs - x.startMs > 500), 10_000);
    const conversationsBefore = stack.sandbox.conversations.size;
    call.hangUp();
    const outcome = await callResult(stack, workflowId);
    expect(outcome.phase).toBe('abandoned');
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row.status).toBe('abandoned');
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.sandbox.conversations.size).toBe(conversationsBefore);
    expect(stack.pbx.openStreams(call.participantId)).toEqual({ get: 0, post: 0 });
    // The clone job goes on without the call and fills the cache for the next one.
    const cached = await eventually(() => stack.db.prisma.voiceCloneCache.findFirst({ where: { callerId: caller, deletedAt: null } }), (r) => r !== null, 15_000);
    expect(cached).not.toBeNull();
    await maybeRecordHistory(stack, workflowId, 'call-abandoned-during-hold');
  } finally {
    stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 } });
  }
});
