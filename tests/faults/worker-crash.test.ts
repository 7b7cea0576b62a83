import { uniqueCaller } from '../support/calls';
import {
  cloneRequestsFor,
  expectCallsCompletedOnce,
  outboundRequests,
  placeCall,
  startFaultStack,
  until,
  waitForCallsClosed,
  type FaultStack,
} from '../support/faults/harness';

// Fault family: the worker process dies (SIGKILL: no graceful shutdown, no completions reported)
// while clones and greetings are in flight, and a new worker process takes over.
jest.setTimeout(85_000);

const CLONE_LATENCY_MS = 4_000;
const GREETING_LATENCY_MS = 3_000;
const CLONE_MAX_WAIT_SECONDS = 40;

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({
    sandbox: { cloneLatencyMs: CLONE_LATENCY_MS, outboundCallLatencyMs: GREETING_LATENCY_MS },
    env: { CLONE_MAX_WAIT_SECONDS: String(CLONE_MAX_WAIT_SECONDS) },
  });
  await Promise.all([stack.startWorker(), stack.startApi()]);
});
afterAll(async () => {
  await stack?.close();
});

test('worker SIGKILLed while clones and greetings are in flight: a new worker completes every call, nothing placed twice', async () => {
  const callers = [uniqueCaller(), uniqueCaller(), uniqueCaller(), uniqueCaller()];
  for (const caller of callers) await stack.registerVoiceSample(caller);
  const ids = await Promise.all(callers.map((caller) => placeCall(stack, { caller_id: caller })));

  // Kill the worker once every clone request is at ElevenLabs (each takes CLONE_LATENCY_MS).
  await until(
    () => callers.filter((c) => cloneRequestsFor(stack.sandbox, c).length > 0).length,
    (n) => n === callers.length,
    20_000,
    (n) => `${n} of ${callers.length} clone requests reached the sandbox`,
  );
  const inFlight = (r: { respondedAt?: number }) => r.respondedAt === undefined;
  const clonesInFlight = callers.filter((c) => cloneRequestsFor(stack.sandbox, c).some(inFlight)).length;
  const greetingsInFlight = ids.filter((id) => outboundRequests(stack.sandbox, id, 'greeting').some(inFlight)).length;
  expect(await stack.worker!.stop('SIGKILL')).toBeNull();
  expect(clonesInFlight).toBe(callers.length);
  const killedAt = Date.now();
  await stack.startWorker();
  const restartMs = Date.now() - killedAt;

  const closed = await waitForCallsClosed(stack, ids, 60_000);
  await expectCallsCompletedOnce(stack, closed, { singleRequest: true });

  // The clone after restart still beat CLONE_MAX_WAIT_SECONDS: every call speaks with the clone.
  for (const call of closed.values()) expect(call.outcome?.voice).toMatchObject({ source: 'clone', fallbackReason: null });

  // Clones: one that completed per caller; a repeat only after a first request that never got an answer.
  const cloneSummary = callers.map((caller) => {
    const requests = cloneRequestsFor(stack.sandbox, caller);
    const completed = requests.filter((r) => r.status !== undefined);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.status).toBe(200);
    for (const r of requests.filter((x) => x.status === undefined)) expect(r.clientAborted).toBe(true);
    return requests.length;
  });
  const clonedVoices = [...stack.sandbox.voices.values()].filter((v) => v.category === 'cloned');
  expect(clonedVoices).toHaveLength(callers.length);
  const cache = await stack.db.prisma.voiceCloneCache.findMany({ where: { callerId: { in: callers }, deletedAt: null } });
  expect(cache.map((r) => r.callerId).sort()).toEqual([...callers].sort());
  expect(new Set(cache.map((r) => r.clonedVoiceId))).toEqual(new Set(clonedVoices.map((v) => v.voiceId)));

  console.info(
    `[faults/worker-crash] killed with ${clonesInFlight} clones and ${greetingsInFlight} greetings in flight; new worker polling after ${restartMs} ms; ` +
      `clone requests per caller ${JSON.stringify(cloneSummary)} (aborted first + completed retry); greeting/agent requests per call 1/1`,
  );
});

// A worker that dies after ElevenLabs answered the clone but before Temporal heard of it: the
// retry finds that voice by its clone_key label (GET /v1/voices) and reuses it instead of cloning
// the caller a second time (which would leave an orphaned voice in a slot).
test('worker dies after ElevenLabs answered the clone, before reporting it: the caller is not cloned twice', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  const id = await placeCall(stack, { caller_id: caller });
  const first = await until(
    () => cloneRequestsFor(stack.sandbox, caller)[0],
    (r) => r !== undefined,
    20_000,
    () => 'no clone request reached the sandbox',
  );
  // Freeze the worker: ElevenLabs finishes the clone and answers, the worker never reads it.
  stack.worker!.child.kill('SIGSTOP');
  await until(
    () => first!.status,
    (status) => status !== undefined,
    CLONE_LATENCY_MS + 10_000,
    () => 'the clone request was never answered',
  );
  expect(first!.status).toBe(200);
  await stack.worker!.stop('SIGKILL');
  await stack.startWorker();

  const closed = await waitForCallsClosed(stack, [id], 60_000);
  await expectCallsCompletedOnce(stack, closed, { singleRequest: true });
  const requests = cloneRequestsFor(stack.sandbox, caller);
  console.info(`[faults/worker-crash] clone answered to a frozen worker: ${requests.length} clone request(s) for the caller, statuses ${JSON.stringify(requests.map((r) => r.status ?? 'no answer'))}`);
  expect(requests.filter((r) => r.status === 200).length).toBe(1);
  const voiceName = requests[0]!.multipart?.fields.name?.[0];
  expect([...stack.sandbox.voices.values()].filter((v) => v.name === voiceName).length).toBe(1);
});
