import { voiceCloneWorkflowId } from '../../src/temporal/caller-key';
import { uniqueCaller } from '../support/calls';
import {
  cloneRequestsFor,
  expectCallsCompletedOnce,
  gapsMs,
  injectInOrder,
  outboundRequests,
  placeCall,
  placedConversations,
  sleep,
  startFaultStack,
  until,
  waitForCallsClosed,
  type FaultStack,
  type Step,
} from '../support/faults/harness';

// Fault family: ElevenLabs misbehaving — 429 bursts with Retry-After, 500s, hanging and reset
// connections, on voices.add and on outbound calls (also after the call was placed). Phases run one
// after the other on one set of processes, each with its own callers.
jest.setTimeout(85_000);

// Configuration under test; the bounds below are derived from it (and from activity-options.ts).
const CLONE_MAX_WAIT_SECONDS = 3;
const VOICE_CLONE_TIMEOUT_SECONDS = 2;
const REQUEST_TIMEOUT_MS = 1_500;
const RETRY_AFTER_SECONDS = 1;
/** cloneAttempt() maximumAttempts. */
const CLONE_MAX_ATTEMPTS = 4;
/** agentCall initialInterval: the first retry of a failed outbound call. */
const AGENT_CALL_FIRST_RETRY_MS = 2_000;
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
  await Promise.all([stack.startWorker(), stack.startApi()]);
});
afterEach(() => stack?.sandbox.clearFailures());
afterAll(async () => {
  await stack?.close();
});

const ms = (from: string | undefined, to: string | undefined) => new Date(to!).getTime() - new Date(from!).getTime();

async function waitForCloneJobs(callers: string[]): Promise<void> {
  await until(
    async () => {
      const states = await Promise.all(callers.map((c) => stack.client.workflow.getHandle(voiceCloneWorkflowId(c)).describe().then((d) => d.status.name)));
      return states;
    },
    (states) => states.every((s) => s !== 'RUNNING'),
    40_000,
    (states) => `clone jobs ${JSON.stringify(states)}`,
  );
}

test('429 bursts with Retry-After on voices.add and outbound calls: Retry-After honoured, bounded clone attempts, default voice within CLONE_MAX_WAIT_SECONDS', async () => {
  const callers = [uniqueCaller(), uniqueCaller()];
  for (const caller of callers) await stack.registerVoiceSample(caller);
  stack.sandbox.setFailure('voices.add', { kind: '429', retryAfter: String(RETRY_AFTER_SECONDS) });
  stack.sandbox.setFailure('outboundCall', { kind: '429', retryAfter: String(RETRY_AFTER_SECONDS), times: 3 });
  const ids = await Promise.all(callers.map((caller) => placeCall(stack, { caller_id: caller })));
  const closed = await waitForCallsClosed(stack, ids, 40_000);
  await waitForCloneJobs(callers);
  await expectCallsCompletedOnce(stack, closed, { singleRequest: false });

  for (const [i, caller] of callers.entries()) {
    const outcome = closed.get(ids[i]!)!.outcome!;
    expect(outcome.voice.source).toBe('default');
    expect(['clone_timeout', 'clone_failed']).toContain(outcome.voice.fallbackReason);
    // The caller waited no longer than CLONE_MAX_WAIT_SECONDS (plus the greeting's own 429 delays).
    expect(ms(outcome.steps.cloning, outcome.steps.voiceReady)).toBeLessThanOrEqual((CLONE_MAX_WAIT_SECONDS + 3 * RETRY_AFTER_SECONDS) * 1000 + SLACK_MS);
    // Clone: every attempt got 429, at most CLONE_MAX_ATTEMPTS of them, spaced by Retry-After.
    const clones = cloneRequestsFor(stack.sandbox, caller);
    expect(clones.length).toBeGreaterThanOrEqual(2);
    expect(clones.length).toBeLessThanOrEqual(CLONE_MAX_ATTEMPTS);
    for (const r of clones) expect(r.status).toBe(429);
    for (const gap of gapsMs(clones)) expect(gap).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
    for (const step of ['greeting', 'agent'] as const) {
      for (const gap of gapsMs(outboundRequests(stack.sandbox, ids[i]!, step))) expect(gap).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
    }
  }
  console.info(
    `[faults/elevenlabs] 429: fallbacks ${JSON.stringify(ids.map((id) => closed.get(id)!.outcome!.voice.fallbackReason))}, clone requests ${JSON.stringify(callers.map((c) => cloneRequestsFor(stack.sandbox, c).length))}`,
  );
  const rateLimited = stack.sandbox.requests.filter((r) => r.endpoint === 'outboundCall' && r.status === 429);
  expect(rateLimited).toHaveLength(3);
  // The failed clone job left its trace: one failed attempt row per caller.
  const failures = await stack.db.prisma.voiceCloneLog.findMany({ where: { callerId: { in: callers }, status: { not: 'success' } } });
  expect(failures.map((f) => f.callerId).sort()).toEqual([...callers].sort());
});

test('500, hanging and reset clone requests: the call falls back within CLONE_MAX_WAIT_SECONDS, the clone still lands in the cache for the next call', async () => {
  const callers = [uniqueCaller(), uniqueCaller()];
  for (const caller of callers) await stack.registerVoiceSample(caller);
  const injected = injectInOrder(stack.sandbox, 'voices.add', [{ kind: '500' }, { kind: 'timeout' }, { kind: 'reset' }], 30_000);
  const ids = await Promise.all(callers.map((caller) => placeCall(stack, { caller_id: caller })));
  const fired = await injected;
  const closed = await waitForCallsClosed(stack, ids, 40_000);
  await expectCallsCompletedOnce(stack, closed, { singleRequest: true });
  for (const id of ids) {
    const outcome = closed.get(id)!.outcome!;
    // Either the clone made it in time or the default voice took over, never later than the limit.
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

  // Nothing wasted: the next call from each caller speaks with the cached clone at once.
  const again = await Promise.all(callers.map((caller) => placeCall(stack, { caller_id: caller })));
  const closedAgain = await waitForCallsClosed(stack, again, 30_000);
  await expectCallsCompletedOnce(stack, closedAgain, { singleRequest: true });
  for (const id of again) expect(closedAgain.get(id)!.outcome!.voice.source).toBe('cache');
  console.info(
    `[faults/elevenlabs] voices.add 500/hang/reset: first calls ${JSON.stringify(ids.map((id) => closed.get(id)!.outcome!.voice.source))}, clone requests ${JSON.stringify(callers.map((c) => cloneRequestsFor(stack.sandbox, c).map((r) => r.injectedFailure ?? r.status)))}`,
  );
});

test('outbound calls answered 5xx, hanging or reset — after placing the call or not: reconciled, each step placed exactly once', async () => {
  const specs = [
    { kind: '500', applyEffect: true },
    { kind: 'timeout', applyEffect: true },
    { kind: 'reset', applyEffect: true },
    { kind: 'reset' },
    { kind: 'timeout' },
  ] as const;
  const injected = injectInOrder(stack.sandbox, 'outboundCall', specs.map((s) => ({ ...s })), 40_000);
  // Callers without a sample: the default voice is chosen at once, the agent call follows the greeting.
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push(await placeCall(stack, { caller_id: uniqueCaller() }));
    await sleep(700);
  }
  const fired = await injected;
  const closed = await waitForCallsClosed(stack, ids, 50_000);
  await expectCallsCompletedOnce(stack, closed, { singleRequest: false });

  const seen: string[] = [];
  for (const { spec, request } of fired) {
    const data = (request.json as any).conversation_initiation_client_data;
    const callId = data.user_id as string;
    const step = data.dynamic_variables.call_step as Step;
    const requests = outboundRequests(stack.sandbox, callId, step);
    const later = requests.filter((r) => r.id > request.id);
    const what = `${spec.kind}${spec.applyEffect ? ' after placing' : ''} on ${callId} ${step}`;
    expect({ what, placed: placedConversations(stack.sandbox, callId, step).length }).toEqual({ what, placed: 1 });
    if (spec.applyEffect) {
      // Placed despite the error: found at ElevenLabs, never placed again.
      expect({ what, laterRequests: later.length }).toEqual({ what, laterRequests: 0 });
    } else {
      // Not placed: placed by a retry after the backoff (after the client timeout for a hang).
      expect({ what, retried: later.length >= 1 }).toEqual({ what, retried: true });
      const minGap = AGENT_CALL_FIRST_RETRY_MS + (spec.kind === 'timeout' ? REQUEST_TIMEOUT_MS : 0);
      expect(later[0]!.receivedAt - request.receivedAt).toBeGreaterThanOrEqual(minGap - 50);
    }
    if (spec.kind === 'timeout') expect(request.clientAborted).toBe(true);
    seen.push(`${spec.kind}${spec.applyEffect ? '+effect' : ''}→${step} (${1 + later.length} req)`);
  }
  console.info(`[faults/elevenlabs] outbound-call faults: ${seen.join(', ')}`);
  for (const id of ids) {
    const outcome = closed.get(id)!.outcome!;
    expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: 'no_sample' });
  }
});
