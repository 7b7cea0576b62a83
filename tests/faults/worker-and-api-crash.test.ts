import { cloneRequestsFor } from '../support/faults/elevenlabs';
import { VOICES } from '../support/faults/config';
import { startFaultStack, startServices, uniqueCaller, until, type FaultStack } from '../support/faults/harness';
import { describeHeard, voiceSegments } from '../support/faults/heard';
import { expectCallsCompletedOnce, waitForCallsClosed, type ClosedCall, type DialledCall } from '../support/faults/live-calls';
import { accepted, burstWithRestart, describeBurst, type Burst } from '../support/faults/webhook-burst';

// Fault family: a process of the main side dies and a new one takes over, while callers hold.
// The worker (workflows, clones, database writes): SIGKILL — no graceful shutdown, nothing
// reported — with clones at ElevenLabs; the gateway keeps every caller's music going meanwhile.
// The API: SIGKILL or SIGTERM mid-burst of calls, each announced by a 3CX IncomingCall webhook
// (a Call Flow Designer app) while it reaches the gateway's route point; 3CX re-sends what was not
// answered 2xx. Whichever source comes first starts the call: every call must exist exactly once.
jest.setTimeout(120_000);

const CLONE_LATENCY_MS = 4_000;

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ sandbox: { cloneLatencyMs: CLONE_LATENCY_MS }, env: { CLONE_MAX_WAIT_SECONDS: '40' } });
  await startServices(stack);
});
afterAll(async () => {
  await stack?.close();
});

describe('worker SIGKILLed while callers hold and their clones are at ElevenLabs', () => {
  let inFlight: DialledCall[];
  let answeredWhileFrozen: DialledCall;
  let duringOutage: DialledCall;
  let closed: Map<string, ClosedCall>;
  let restartMs: number;

  beforeAll(async () => {
    // One caller's clone is answered while the worker is frozen (it never reads the answer); the
    // others' clones are still at ElevenLabs when the worker dies.
    const frozenCaller = uniqueCaller();
    await stack.registerVoiceSample(frozenCaller);
    answeredWhileFrozen = stack.dial(frozenCaller);
    const first = await until(() => cloneRequestsFor(stack.sandbox, frozenCaller)[0], (r) => r !== undefined, 20_000, () => 'no clone request for the first caller');
    const callers = [uniqueCaller(), uniqueCaller(), uniqueCaller()];
    for (const caller of callers) await stack.registerVoiceSample(caller);
    inFlight = callers.map((caller) => stack.dial(caller));
    await until(
      () => callers.filter((c) => cloneRequestsFor(stack.sandbox, c).length > 0).length,
      (n) => n === callers.length,
      20_000,
      (n) => `${n} of ${callers.length} clone requests reached the sandbox`,
    );
    stack.worker!.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    await until(() => first!.status, (status) => status !== undefined, CLONE_LATENCY_MS + 10_000, () => 'the first clone request was never answered');
    expect(first!.respondedAt!).toBeGreaterThan(frozenAt);
    expect(callers.every((c) => cloneRequestsFor(stack.sandbox, c).every((r) => r.respondedAt === undefined))).toBe(true);
    expect(await stack.worker!.stop('SIGKILL')).toBeNull();
    const killedAt = Date.now();

    // A caller arriving while no worker runs: the gateway greets and holds them all the same.
    duringOutage = stack.dial(uniqueCaller());
    await stack.startWorker();
    restartMs = Date.now() - killedAt;
    closed = await waitForCallsClosed(stack, [answeredWhileFrozen, ...inFlight, duringOutage].map((c) => c.workflowId), 60_000);
  });

  test('every call completes once: greeting once, music on while no worker ran, the agent in the caller’s clone', async () => {
    const all = [answeredWhileFrozen, ...inFlight, duringOutage];
    const worst = await expectCallsCompletedOnce(stack, all, closed);
    for (const { workflowId } of [answeredWhileFrozen, ...inFlight]) expect(closed.get(workflowId)!.outcome!.voice).toMatchObject({ source: 'clone', fallbackReason: null });
    expect(closed.get(duringOutage.workflowId)!.outcome!.voice).toMatchObject({ source: 'default', fallbackReason: 'no_sample' });
    // Dialled during the outage: greeted at once, not when the worker came back seconds later.
    const heard = duringOutage.call.heard([VOICES.greeting]);
    const greetingAt = voiceSegments(heard, VOICES.greeting)[0]?.startMs ?? null;
    expect({ greetingSoon: greetingAt !== null && greetingAt < 3_000, timeline: describeHeard(heard) }).toMatchObject({ greetingSoon: true });
    console.info(
      `[faults/worker-crash] new worker polling ${restartMs} ms after the kill; longest dead air heard ${worst} ms (test process stalled up to ${stack.testProcessStallMs()} ms); ` +
        `gateway-measured dead air ${JSON.stringify(all.map((c) => closed.get(c.workflowId)!.outcome!.media.deadAirMs))} ms; ` +
        `clone requests per caller ${JSON.stringify(inFlight.map((c) => cloneRequestsFor(stack.sandbox, c.call.callerNumber).map((r) => r.status ?? 'aborted')))}`,
    );
  });

  test('clones in flight when the worker died: the new worker clones each caller once (the aborted request made no voice)', async () => {
    for (const { call } of inFlight) {
      const requests = cloneRequestsFor(stack.sandbox, call.callerNumber);
      expect(requests.filter((r) => r.status !== undefined).map((r) => r.status)).toEqual([200]);
      for (const r of requests.filter((x) => x.status === undefined)) expect(r.clientAborted).toBe(true);
    }
    const callers = [answeredWhileFrozen, ...inFlight].map((c) => c.call.callerNumber);
    const cache = await stack.db.prisma.voiceCloneCache.findMany({ where: { callerId: { in: callers }, deletedAt: null } });
    expect(cache.map((r) => r.callerId).sort()).toEqual([...callers].sort());
    const cloned = [...stack.sandbox.voices.values()].filter((v) => v.category === 'cloned');
    expect(new Set(cache.map((r) => r.clonedVoiceId))).toEqual(new Set(cloned.map((v) => v.voiceId)));
  });

  // ElevenLabs answered the clone, the worker never reported it: the retry finds that voice by its
  // clone_key label (GET /v1/voices) instead of cloning the caller again, which would leave an
  // orphaned voice in a slot.
  test('a clone answered to a frozen worker is not made a second time', () => {
    const requests = cloneRequestsFor(stack.sandbox, answeredWhileFrozen.call.callerNumber);
    console.info(`[faults/worker-crash] clone answered to a frozen worker: ${requests.length} clone request(s), statuses ${JSON.stringify(requests.map((r) => r.status ?? 'no answer'))}`);
    expect(requests.filter((r) => r.status === 200)).toHaveLength(1);
    const voice = [...stack.sandbox.voices.values()].filter((v) => v.name === requests[0]!.multipart?.fields.name?.[0]);
    expect(voice).toHaveLength(1);
    expect(closed.get(answeredWhileFrozen.workflowId)!.outcome!.voice.voiceId).toBe(voice[0]!.voiceId);
  });
});

describe('API stopped mid-burst of calls announced by webhooks', () => {
  /** Every webhook ends up answered 202 naming its call's workflow; every call completes once, with one call_log row. */
  async function expectEveryCallOnce({ calls, final }: Burst): Promise<number> {
    final.forEach((answer, i) => {
      expect(accepted(answer)).toBe(true);
      expect((answer as { json: { workflow_id: string } }).json.workflow_id).toBe(calls[i]!.workflowId);
    });
    const ids = calls.map((c) => c.workflowId);
    const closed = await waitForCallsClosed(stack, ids, 60_000);
    const worst = await expectCallsCompletedOnce(stack, calls, closed);
    const rows = await stack.db.prisma.callLog.groupBy({ by: ['threecxCallId'], where: { callId: { in: ids } }, _count: true });
    expect(rows).toHaveLength(calls.length);
    for (const row of rows) expect(row._count).toBe(1);
    return worst;
  }

  test('SIGKILL mid-burst of 10 calls: re-sent webhooks find their call, every call completes exactly once', async () => {
    const burst = await burstWithRestart(stack, 10, 50, 4, 'SIGKILL');
    expect(burst.exitCode).toBeNull();
    expect(burst.first.filter((a) => !accepted(a)).length).toBeGreaterThan(0);
    const worst = await expectEveryCallOnce(burst);
    console.info(`[faults/api-restart] SIGKILL: ${describeBurst(burst)}; longest dead air heard ${worst} ms`);
  });

  test('SIGTERM mid-burst of 6 calls: it exits 0 having answered what it took in, every call exists exactly once', async () => {
    const burst = await burstWithRestart(stack, 6, 80, 3, 'SIGTERM');
    expect(burst.exitCode).toBe(0);
    // A graceful stop answers every request it took in: a webhook that failed never reached it.
    const unanswered = burst.calls.filter((c, i) => !accepted(burst.first[i]) && burst.answeredByOldApi.has(c.workflowId));
    expect(unanswered.map((c) => c.workflowId)).toEqual([]);
    const worst = await expectEveryCallOnce(burst);
    console.info(`[faults/api-restart] SIGTERM: ${describeBurst(burst)}; longest dead air heard ${worst} ms`);
  });
});
