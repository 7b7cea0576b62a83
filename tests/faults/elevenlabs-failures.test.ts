import { voiceCloneWorkflowId } from '../../src/temporal/caller-key';
import { cloneRequestsFor, gapsMs, injectInOrder } from '../support/faults/elevenlabs';
import { speechDurationMs } from '../../simulators/audio';
import { FALLBACK_QUEUE, GREETING_MESSAGE, VOICES } from '../support/faults/config';
import { sleep, startFaultStack, startServices, uniqueCaller, until, type FaultStack } from '../support/faults/harness';
import { deadAir, describeHeard, fallbackHeard, firstHeard, greetingsHeard, inFallbackQueue } from '../support/faults/heard';
import { conversationsOf, expectCallsCompletedOnce, waitForCallsClosed, type DialledCall } from '../support/faults/live-calls';

// Fault family: ElevenLabs misbehaving — text-to-speech down when the gateway starts, 429 bursts
// with Retry-After (also 600 s), 500s, hanging and reset connections on voices.add and on the
// agent's signed URL, the agent refusing the conversation or dropping it mid-call. Phases run one
// after the other on one set of processes, each with its own callers.
jest.setTimeout(120_000);

// Configuration under test; the bounds below are derived from it (and from activity-options.ts).
const CLONE_MAX_WAIT_SECONDS = 3;
const VOICE_CLONE_TIMEOUT_SECONDS = 2;
const REQUEST_TIMEOUT_MS = 1_500;
/** cloneAttempt() maximumAttempts. */
const CLONE_MAX_ATTEMPTS = 4;
/** MAX_RETRY_AFTER_MS in src/activities/failures.ts: the longest Retry-After honoured. */
const RETRY_AFTER_CAP_MS = 30_000;
/** Scheduling slack on a loaded 2-core machine: workflow tasks, activity dispatch, process hops. */
const SLACK_MS = 2_500;

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({
    sandbox: { cloneLatencyMs: 500 },
    env: {
      CLONE_MAX_WAIT_SECONDS: String(CLONE_MAX_WAIT_SECONDS),
      VOICE_CLONE_TIMEOUT: String(VOICE_CLONE_TIMEOUT_SECONDS),
      ELEVENLABS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    },
  });
  await startServices(stack);
});
afterEach(() => stack?.sandbox.clearFailures());
afterAll(async () => {
  await stack?.close();
});

const ms = (from: string | undefined, to: string | undefined) => new Date(to!).getTime() - new Date(from!).getTime();

async function waitForCloneJobs(callers: string[]): Promise<void> {
  await until(
    () => Promise.all(callers.map((c) => stack.client.workflow.getHandle(voiceCloneWorkflowId(c)).describe().then((d) => d.status.name))),
    (states) => states.every((s) => s !== 'RUNNING'),
    40_000,
    (states) => `clone jobs ${JSON.stringify(states)}`,
  );
}

test('429 with Retry-After on voices.add and on the agent’s signed URL: Retry-After honoured, bounded clone attempts, default voice within CLONE_MAX_WAIT_SECONDS', async () => {
  const retryAfterSeconds = 1;
  const callers = [uniqueCaller(), uniqueCaller()];
  for (const caller of callers) await stack.registerVoiceSample(caller);
  stack.sandbox.setFailure('voices.add', { kind: '429', retryAfter: String(retryAfterSeconds) });
  stack.sandbox.setFailure('signedUrl', { kind: '429', retryAfter: String(retryAfterSeconds), times: 2 });
  const calls = callers.map((caller) => stack.dial(caller));
  const closed = await waitForCallsClosed(stack, calls.map((c) => c.workflowId), 40_000);
  await waitForCloneJobs(callers);
  await expectCallsCompletedOnce(stack, calls, closed);

  for (const [i, caller] of callers.entries()) {
    const outcome = closed.get(calls[i]!.workflowId)!.outcome!;
    expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: expect.stringMatching(/^clone_(timeout|failed)$/) });
    expect(ms(outcome.steps.cloning, outcome.steps.voiceReady)).toBeLessThanOrEqual(CLONE_MAX_WAIT_SECONDS * 1000 + SLACK_MS);
    // Clone: every attempt got 429, at most CLONE_MAX_ATTEMPTS of them, spaced by Retry-After.
    const clones = cloneRequestsFor(stack.sandbox, caller);
    expect(clones.length).toBeGreaterThanOrEqual(2);
    expect(clones.length).toBeLessThanOrEqual(CLONE_MAX_ATTEMPTS);
    for (const r of clones) expect(r.status).toBe(429);
    for (const gap of gapsMs(clones)) expect(gap).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
  }
  const signed = stack.sandbox.requests.filter((r) => r.endpoint === 'signedUrl');
  expect(signed.filter((r) => r.status === 429)).toHaveLength(2);
  console.info(
    `[faults/elevenlabs] 429: fallbacks ${JSON.stringify(calls.map((c) => closed.get(c.workflowId)!.outcome!.voice.fallbackReason))}, clone requests ${JSON.stringify(callers.map((c) => cloneRequestsFor(stack.sandbox, c).length))}`,
  );
  // The failed clone job left its trace: one failed attempt row per caller.
  const failures = await stack.db.prisma.voiceCloneLog.findMany({ where: { callerId: { in: callers }, status: { not: 'success' } } });
  expect(failures.map((f) => f.callerId).sort()).toEqual([...callers].sort());
});

test('Retry-After: 600 on the clone and the caller hangs up during the wait: the call ends at once, the clone retries within the cap, not ten minutes later', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.setFailure('voices.add', { kind: '429', retryAfter: '600', times: 1 });
  const { call, workflowId } = stack.dial(caller);
  const limited = await until(() => cloneRequestsFor(stack.sandbox, caller)[0], (r) => r?.status === 429, 20_000, () => 'no rate-limited clone request');
  await sleep(500);
  call.hangUp();
  const hungUpAt = Date.now();
  const closed = await waitForCallsClosed(stack, [workflowId], 15_000);
  const closedAfterMs = Date.now() - hungUpAt;
  expect(closed.get(workflowId)!.outcome!.phase).toBe('abandoned');
  expect((await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).status).toBe('abandoned');
  expect(conversationsOf(stack, workflowId)).toEqual([]);
  expect(stack.pbx.openStreams(call.participantId)).toEqual({ get: 0, post: 0 });
  const job = await stack.client.workflow.getHandle(voiceCloneWorkflowId(caller)).describe();
  const next = job.raw.pendingActivities?.[0]?.nextAttemptScheduleTime;
  const nextInMs = next ? Number(next.seconds) * 1000 + Math.round((next.nanos ?? 0) / 1e6) - limited!.receivedAt : null;
  expect({ nextAttemptScheduled: nextInMs !== null, nextInMs }).toMatchObject({ nextAttemptScheduled: true });
  expect(nextInMs!).toBeLessThanOrEqual(RETRY_AFTER_CAP_MS + SLACK_MS);
  console.info(`[faults/elevenlabs] Retry-After 600: call closed ${closedAfterMs} ms after the hang-up; the clone's next attempt ${nextInMs} ms after the 429`);
});

test('500, hanging and reset clone requests: the call falls back within CLONE_MAX_WAIT_SECONDS, the clone still lands in the cache for the next call', async () => {
  const callers = [uniqueCaller(), uniqueCaller()];
  for (const caller of callers) await stack.registerVoiceSample(caller);
  const injected = injectInOrder(stack.sandbox, 'voices.add', [{ kind: '500' }, { kind: 'timeout' }, { kind: 'reset' }], 30_000);
  const calls = callers.map((caller) => stack.dial(caller));
  const fired = await injected;
  const closed = await waitForCallsClosed(stack, calls.map((c) => c.workflowId), 40_000);
  await expectCallsCompletedOnce(stack, calls, closed);
  for (const { workflowId } of calls) {
    const outcome = closed.get(workflowId)!.outcome!;
    expect(ms(outcome.steps.cloning, outcome.steps.voiceReady)).toBeLessThanOrEqual(CLONE_MAX_WAIT_SECONDS * 1000 + SLACK_MS);
    if (outcome.voice.source !== 'clone') expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: 'clone_timeout' });
  }

  // The clone jobs retried (a hung request is cut at VOICE_CLONE_TIMEOUT) and cached one voice per caller.
  await waitForCloneJobs(callers);
  expect(fired.map((f) => f.request.injectedFailure)).toEqual(['500', 'timeout', 'reset']);
  const hung = fired[1]!.request;
  expect(hung.clientAborted).toBe(true);
  expect(hung.closedAt! - hung.receivedAt).toBeGreaterThanOrEqual(VOICE_CLONE_TIMEOUT_SECONDS * 1000 - 50);
  expect(hung.closedAt! - hung.receivedAt).toBeLessThan(VOICE_CLONE_TIMEOUT_SECONDS * 1000 + SLACK_MS);
  for (const caller of callers) {
    const clones = cloneRequestsFor(stack.sandbox, caller);
    expect(clones.filter((r) => r.status === 200)).toHaveLength(1);
    expect(clones.length).toBeLessThanOrEqual(CLONE_MAX_ATTEMPTS);
    expect(await stack.db.prisma.voiceCloneCache.count({ where: { callerId: caller, deletedAt: null } })).toBe(1);
  }

  // Nothing wasted: the next call from each caller speaks with the cached clone.
  const again = callers.map((caller) => stack.dial(caller));
  const closedAgain = await waitForCallsClosed(stack, again.map((c) => c.workflowId), 30_000);
  await expectCallsCompletedOnce(stack, again, closedAgain);
  for (const { workflowId } of again) expect(closedAgain.get(workflowId)!.outcome!.voice.source).toBe('cache');
  console.info(
    `[faults/elevenlabs] voices.add 500/hang/reset: first calls ${JSON.stringify(calls.map((c) => closed.get(c.workflowId)!.outcome!.voice.source))}, clone requests ${JSON.stringify(callers.map((c) => cloneRequestsFor(stack.sandbox, c).map((r) => r.injectedFailure ?? r.status)))}`,
  );
});

/** The agent could not take or keep the call: the failure message, then the person in the fallback queue. */
async function expectFallback(call: DialledCall, reason: string): Promise<string> {
  const closed = await waitForCallsClosed(stack, [call.workflowId], 60_000);
  const outcome = closed.get(call.workflowId)!.outcome!;
  expect({ inFallbackQueue: inFallbackQueue(call.call), connectedTo: call.call.connectedTo }).toMatchObject({ inFallbackQueue: true });
  await sleep(1_000);
  call.call.hangUp();
  const segments = call.call.heard([VOICES.greeting, VOICES.default, VOICES.queue]);
  const timeline = describeHeard(segments);
  expect({ outcome, timeline }).toMatchObject({ outcome: { phase: 'failed', failureReason: reason, fallback: { reason, destination: FALLBACK_QUEUE, outcome: 'routed' } } });
  // Greeting, music (and the agent, for a while), then the failure message and the person: never silence.
  const afterGreeting = (firstHeard(segments, VOICES.greeting) ?? 0) + speechDurationMs(GREETING_MESSAGE);
  expect({ greetings: greetingsHeard(segments, afterGreeting), timeline }).toEqual({ greetings: 1, timeline });
  const end = fallbackHeard(segments, afterGreeting);
  expect({ ...end, longestSilenceMs: end.longestSilenceMs < SLACK_MS, timeline }).toEqual({ failureMessage: true, thenQueue: true, longestSilenceMs: true, timeline });
  const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: call.workflowId } });
  expect(row).toMatchObject({ status: 'failed', metadata: expect.objectContaining({ failure_reason: reason }) });
  return timeline;
}

test('the agent refuses every conversation: the caller hears music, the failure message, then the fallback queue — failed agent_unavailable', async () => {
  stack.sandbox.setConversationFault('websocket', { kind: 'refuse', status: 503 });
  const call = stack.dial(uniqueCaller());
  const timeline = await expectFallback(call, 'agent_unavailable');
  const refused = stack.sandbox.requests.filter((r) => r.endpoint === 'convai.conversation' && r.status === 503);
  expect(refused.length).toBeGreaterThanOrEqual(1);
  console.info(`[faults/elevenlabs] agent refused (${refused.length} attempts): ${timeline}`);
});

test('the agent’s socket drops mid-conversation: the failure message at once, then the fallback queue — failed agent_disconnected', async () => {
  stack.sandbox.configure({ callDurationMs: 30_000 });
  stack.sandbox.setConversationFault('websocket', { kind: 'drop', afterMs: 1_500, times: 1 });
  try {
    const call = stack.dial(uniqueCaller());
    const timeline = await expectFallback(call, 'agent_disconnected');
    expect(conversationsOf(stack, call.workflowId)).toHaveLength(1);
    console.info(`[faults/elevenlabs] agent dropped: ${timeline}`);
  } finally {
    stack.sandbox.configure({ callDurationMs: 2_500 });
  }
});

// Last: these restart the gateway while text-to-speech is down.
test('text-to-speech down when the gateway starts: the caller starts with music (no dead air) and still reaches the agent', async () => {
  expect(await stack.gateway!.stop('SIGTERM')).toBe(0);
  stack.sandbox.setFailure('tts', { kind: '500' });
  stack.sandbox.setFailure('tts.stream', { kind: '500' });
  await stack.startGateway();
  const ttsDownCall = stack.dial(uniqueCaller());
  const closed = await waitForCallsClosed(stack, [ttsDownCall.workflowId], 30_000);
  const outcome = closed.get(ttsDownCall.workflowId)!.outcome!;
  const segments = ttsDownCall.call.heard([VOICES.greeting, VOICES.default]);
  const timeline = describeHeard(segments);
  const agentAt = firstHeard(segments, VOICES.default);
  expect({ phase: outcome.phase, agentHeard: agentAt !== null, timeline }).toEqual({ phase: 'completed', agentHeard: true, timeline });
  const first = segments.find((s) => s.label !== 'silence')!;
  expect({ first: first.label, within: first.startMs < 3_000, timeline }).toEqual({ first: 'audio', within: true, timeline });
  expect({ deadAir: deadAir(segments, agentAt!) < SLACK_MS, timeline }).toEqual({ deadAir: true, timeline });
  console.info(`[faults/elevenlabs] TTS down at gateway start: music from ${first.startMs} ms, longest dead air ${deadAir(segments, agentAt!)} ms; ${timeline}`);
});

// The greeting is rendered at start; a failed render must not leave every later caller without
// it. The first caller after ElevenLabs is back may still start with music (their arrival is what
// has the greeting rendered again); the next one hears it.
test('text-to-speech back: callers hear the greeting again', async () => {
  const first = stack.dial(uniqueCaller());
  await sleep(1_000);
  const next = stack.dial(uniqueCaller());
  const closed = await waitForCallsClosed(stack, [first.workflowId, next.workflowId], 30_000);
  expect(closed.get(first.workflowId)!.outcome!.phase).toBe('completed');
  await expectCallsCompletedOnce(stack, [next], closed);
});
