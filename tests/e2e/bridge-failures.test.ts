import { conversationAudio } from '../../simulators/elevenlabs';
import { humanVoiceId, voiceMs } from '../../simulators/audio';
import { speechDurationMs } from '../../simulators/audio';
import { startTestStack, SHORT_GREETING, TEST_AGENT, TEST_DEFAULT_VOICE, TEST_FALLBACK_QUEUE, type TestStack } from '../support/stack';
import { cacheCloneFor, callResult, deadAir, describeHeard, eventually, expectAgentAfterGreeting, firstHeard, heard, lastHeard, nextSound, uniqueCaller } from '../support/live-call';

// Bridge mode when something goes wrong on the way to the agent or with it: each ends in a defined
// state, with the reason recorded, and the caller hears music, the failure message (greeting voice)
// or the human at FALLBACK_DESTINATION — never silence. Proved from what the caller heard.
jest.setTimeout(60_000);

const HUMAN = humanVoiceId(TEST_FALLBACK_QUEUE);
/** About two seconds of speech (the sandbox speaks ~60 ms per character). */
const FAILURE_MESSAGE = 'Sorry, we cannot connect you now.';
const FAILURE_MESSAGE_HEARD_MS = 1_500;
/** Most of SHORT_GREETING as the caller hears it (frames at the edges may classify otherwise). */
const GREETING_HEARD_MS = speechDurationMs(SHORT_GREETING) * 0.8;
/** How long the sandbox's agent talks before it ends the conversation. */
const CONVERSATION_MS = 3_000;
/** Two stacks on one Temporal server: with a human fallback (a 3CX queue) and without one. */
let stack: TestStack;
let noFallback: TestStack;

beforeAll(async () => {
  const env = { GREETING_MESSAGE: SHORT_GREETING, FAILURE_MESSAGE, POST_CALL_GRACE_SECONDS: '1' };
  const sandbox = { callDurationMs: CONVERSATION_MS };
  stack = await startTestStack({ env: { ...env, CLONE_MAX_WAIT_SECONDS: '4', FALLBACK_DESTINATION: TEST_FALLBACK_QUEUE }, sandbox });
  noFallback = await startTestStack({ env: { ...env, CLONE_MAX_WAIT_SECONDS: '1' }, sandbox, temporal: stack.env });
});
afterAll(async () => {
  await noFallback?.stop();
  await stack?.stop();
});
afterEach(() => {
  for (const s of [stack, noFallback]) {
    s.sandbox.clearFailures();
    s.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 }, agentFirstAudioLatencyMs: { min: 100, max: 200 }, callDurationMs: CONVERSATION_MS });
    s.sandbox.configureAgent(TEST_AGENT, { overrides: { voiceId: true } });
    for (const call of s.pbx.calls) if (call.state !== 'ended') call.hangUp();
  }
});

test('the clone fails (voice limit reached): the agent speaks in the default voice, reason clone_failed', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.setFailure('voices.add', { kind: 'voice_limit_reached' });
  const { call, workflowId } = stack.dial(caller);
  const outcome = await callResult(stack, workflowId);

  expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'default', voiceId: TEST_DEFAULT_VOICE, fallbackReason: 'clone_failed' } });
  expectAgentAfterGreeting(stack, call, TEST_DEFAULT_VOICE);
  const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
  expect(row).toMatchObject({ status: 'completed', clonedVoiceId: TEST_DEFAULT_VOICE, metadata: expect.objectContaining({ voice_source: 'default', fallback_reason: 'clone_failed' }) });
  const attempts = await stack.db.prisma.voiceCloneLog.findMany({ where: { callerId: caller } });
  expect(attempts.map((a) => a.status)).toContain('failed');
  expect(await stack.db.prisma.voiceCloneCache.count({ where: { callerId: caller } })).toBe(0);
});

/** A call with a cached voice; the caller hangs up as soon as the agent's conversation has opened. */
async function hangUpWhileConnecting(firstAudioLatencyMs: number) {
  const caller = uniqueCaller();
  const voiceId = await cacheCloneFor(stack, caller);
  // A long conversation: only our side can end it within the test.
  stack.sandbox.configure({ agentFirstAudioLatencyMs: firstAudioLatencyMs, callDurationMs: 20_000 });
  const { call, workflowId } = stack.dial(caller);
  const opened = await stack.sandbox.waitForConversation((c) => c.userId === workflowId, 15_000);
  const hungUpAt = Date.now();
  call.hangUp();
  const outcome = await callResult(stack, workflowId);
  const conversation = await eventually(() => stack.sandbox.conversations.get(opened.conversationId)!, (c) => c.endedAtMs !== null, 5_000);
  const closedAfterMs = conversation.endedAtMs === null ? 'still open' : Math.round(conversation.endedAtMs - hungUpAt);
  return { call, workflowId, voiceId, outcome, conversation, closedAfterMs };
}

describe('the caller hangs up while the agent is connecting', () => {
  test('before the agent could speak: abandoned, the conversation is closed at once, the agent is never heard', async () => {
    const { call, workflowId, voiceId, outcome, conversation, closedAfterMs } = await hangUpWhileConnecting(5_000);
    expect(outcome.phase).toBe('abandoned');
    expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'abandoned' });
    expect(conversationAudio(conversation, 'agent')).toHaveLength(0);
    expect(firstHeard(heard(call, [stack.config.greeting.voiceId, voiceId]), voiceId)).toBeNull();
    expect(stack.pbx.openStreams(call.participantId)).toEqual({ get: 0, post: 0 });
    // The gateway sees the hang-up within milliseconds (3CX Remove): the agent must not talk on, billed, to nobody.
    expect(closedAfterMs).toBeLessThan(1_500);
  });

  test('just before the agent’s first word: abandoned, and the conversation is still closed at once', async () => {
    const { outcome, closedAfterMs } = await hangUpWhileConnecting(600);
    expect({ phase: outcome.phase, closedAfterMs }).toEqual({ phase: 'abandoned', closedAfterMs: expect.any(Number) });
    expect(closedAfterMs).toBeLessThan(1_500);
  });
});

describe('ElevenLabs refuses the conversation (the agent does not allow a voice override)', () => {
  test('without FALLBACK_DESTINATION: the failure message in the greeting voice, then the call is dropped; failed/agent_unavailable', async () => {
    const s = noFallback;
    s.sandbox.configureAgent(TEST_AGENT, { overrides: { voiceId: false } });
    const caller = uniqueCaller();
    const voiceId = await cacheCloneFor(s, caller);
    const { call, workflowId } = s.dial(caller);
    const outcome = await callResult(s, workflowId);

    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'agent_unavailable', fallback: { reason: 'agent_unavailable', destination: null, outcome: 'dropped' } });
    expect(outcome.lastError).toMatch(/voice_id/);
    await call.waitForState('ended', 5_000);
    expect(call.endReason).toBe('dropped');
    const greetingVoice = s.config.greeting.voiceId;
    const segments = heard(call, [greetingVoice, voiceId]);
    // The whole greeting, then the failure message in the same voice (a refusal is immediate: maybe no
    // music between them); the agent never.
    expect({ greetingVoiceMs: voiceMs(segments, greetingVoice), timeline: describeHeard(segments) }).toEqual({ greetingVoiceMs: expect.any(Number), timeline: describeHeard(segments) });
    expect(voiceMs(segments, greetingVoice)).toBeGreaterThan(GREETING_HEARD_MS + FAILURE_MESSAGE_HEARD_MS);
    expect(firstHeard(segments, voiceId)).toBeNull();
    expect(deadAir(segments, lastHeard(segments, greetingVoice)!)).toBeLessThan(200);
    const row = await s.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row).toMatchObject({ status: 'failed', metadata: expect.objectContaining({ failure_reason: 'agent_unavailable' }) });
    // A refusal is final: ElevenLabs is asked once, and the caller is not held for retries.
    expect([...s.sandbox.conversations.values()].filter((c) => c.userId === workflowId)).toHaveLength(1);
  });

  test('with FALLBACK_DESTINATION=8000: the failure message, then the human in the queue answers', async () => {
    stack.sandbox.configureAgent(TEST_AGENT, { overrides: { voiceId: false } });
    const caller = uniqueCaller();
    const voiceId = await cacheCloneFor(stack, caller);
    const { call, workflowId } = stack.dial(caller);
    const outcome = await callResult(stack, workflowId);

    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'agent_unavailable', fallback: { reason: 'agent_unavailable', destination: TEST_FALLBACK_QUEUE, outcome: 'routed' } });
    expect(call.connectedTo).toEqual({ kind: 'local', destination: TEST_FALLBACK_QUEUE });
    const humanAt = await eventually(() => firstHeard(heard(call, [HUMAN]), HUMAN), (at) => at !== null, 5_000);
    const greetingVoice = stack.config.greeting.voiceId;
    const segments = heard(call, [greetingVoice, voiceId, HUMAN]);
    expect({ humanAt, timeline: describeHeard(segments) }).toEqual({ humanAt: expect.any(Number), timeline: describeHeard(segments) });
    expect(voiceMs(segments, greetingVoice, 0, humanAt!)).toBeGreaterThan(GREETING_HEARD_MS + FAILURE_MESSAGE_HEARD_MS);
    expect(firstHeard(segments, voiceId)).toBeNull();
    expect(deadAir(segments, humanAt!)).toBeLessThan(200);
    expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'failed' });
  });
});

test.each(['drop', 'close-1011'] as const)(
  'the agent socket fails mid-conversation (%s): music at once, then the failure message and the human; failed/agent_disconnected',
  async (kind) => {
    const caller = uniqueCaller();
    const voiceId = await cacheCloneFor(stack, caller);
    stack.sandbox.setConversationFault('websocket', { kind, afterMs: 2_000, times: 1 });
    const { call, workflowId } = stack.dial(caller);
    const outcome = await callResult(stack, workflowId);

    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'agent_disconnected', fallback: { destination: TEST_FALLBACK_QUEUE, outcome: 'routed' } });
    const humanAt = await eventually(() => firstHeard(heard(call, [HUMAN]), HUMAN), (at) => at !== null, 5_000);
    const greetingVoice = stack.config.greeting.voiceId;
    const segments = heard(call, [greetingVoice, voiceId, HUMAN]);
    const agentFrom = firstHeard(segments, voiceId);
    const agentUntil = lastHeard(segments, voiceId);
    expect({ agentFrom, agentUntil, humanAt, timeline: describeHeard(segments) }).toEqual({
      agentFrom: expect.any(Number),
      agentUntil: expect.any(Number),
      humanAt: expect.any(Number),
      timeline: describeHeard(segments),
    });
    expect(agentUntil!).toBeLessThan(humanAt!);
    // The agent went silent mid-sentence: the next thing heard is the music, within 200 ms.
    expect(nextSound(segments, agentUntil!)! - agentUntil!).toBeLessThan(200);
    expect(segments.find((x) => x.startMs >= agentUntil! && x.label !== 'silence')?.label).toBe('audio');
    expect(voiceMs(segments, greetingVoice, agentUntil!, humanAt!)).toBeGreaterThan(FAILURE_MESSAGE_HEARD_MS);
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row).toMatchObject({ status: 'failed', metadata: expect.objectContaining({ failure_reason: 'agent_disconnected', agent_conversation_id: outcome.conversationId }) });
  },
);

test('a clone that finishes while the caller talks to the agent: no voice switch mid-call; the next call speaks with it', async () => {
  const caller = uniqueCaller();
  await noFallback.registerVoiceSample(caller);
  noFallback.sandbox.configure({ cloneLatencyMs: 2_000 });
  const first = noFallback.dial(caller);
  const outcome = await callResult(noFallback, first.workflowId);
  expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: 'clone_timeout' });
  const cached = await eventually(() => noFallback.db.prisma.voiceCloneCache.findFirst({ where: { callerId: caller, deletedAt: null } }), (r) => r !== null, 10_000);
  const clone = cached!.clonedVoiceId;
  // The clone was ready before the conversation ended, and the caller still heard only the default voice.
  const conversation = noFallback.sandbox.conversations.get(outcome.conversationId!)!;
  expect(cached!.createdAt.getTime()).toBeLessThan(conversation.endedAtMs!);
  expect(firstHeard(heard(first.call, [TEST_DEFAULT_VOICE, clone]), clone)).toBeNull();
  expect(conversation.voiceId).toBe(TEST_DEFAULT_VOICE);

  const second = noFallback.dial(caller);
  const again = await callResult(noFallback, second.workflowId);
  expect(again.voice).toEqual({ source: 'cache', voiceId: clone, fallbackReason: null });
  expect(firstHeard(heard(second.call, [TEST_DEFAULT_VOICE, clone]), clone)).not.toBeNull();
});
