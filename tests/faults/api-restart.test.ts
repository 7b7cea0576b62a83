import { uniqueCaller } from '../support/calls';
import {
  expectCallsCompletedOnce,
  sendIncomingCall,
  sleep,
  startFaultStack,
  waitForCallsClosed,
  type FaultStack,
} from '../support/faults/harness';
import { incomingCall } from '../support/threecx';

// Fault family: the API process dies (SIGKILL) or is stopped (SIGTERM) in the middle of a burst of
// 3CX IncomingCall webhooks, and a new API process takes over. 3CX re-sends what was not answered
// with a 2xx; every call must exist exactly once.
jest.setTimeout(85_000);

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
  await Promise.all([stack.startWorker(), stack.startApi()]);
});
afterAll(async () => {
  await stack?.close();
});

type Answer = Awaited<ReturnType<typeof sendIncomingCall>>;
const accepted = (a: Answer | undefined): a is { status: number; json: any } => a !== undefined && 'status' in a && a.status === 202;

interface BurstResult {
  bodies: Record<string, unknown>[];
  first: Answer[];
  final: Answer[];
  resent: number;
}

/**
 * Sends `n` webhooks (one every `spacingMs`, all in flight together), stops the API once `killAfter`
 * were accepted, starts a new API, then re-sends every webhook not answered 202 — as 3CX does —
 * until it is, within a bounded number of tries.
 */
async function burstWithRestart(n: number, spacingMs: number, killAfter: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<BurstResult & { exitCode: number | null }> {
  const bodies = Array.from({ length: n }, () => incomingCall({ caller_id: uniqueCaller() }));
  const first: Answer[] = new Array<Answer>(n);
  const old = stack.api!;
  let acceptedCount = 0;
  let stopping: Promise<number | null> | undefined;
  await Promise.all(
    bodies.map(async (body, i) => {
      await sleep(i * spacingMs);
      first[i] = await sendIncomingCall(stack.apiUrl, body);
      if (accepted(first[i]) && ++acceptedCount === killAfter) stopping = old.stop(signal, 15_000);
    }),
  );
  const exitCode = await (stopping ?? old.stop(signal, 15_000));
  await stack.startApi();

  const final = [...first];
  let resent = 0;
  for (let round = 0; round < 10 && final.some((a) => !accepted(a)); round++) {
    await Promise.all(
      final.map(async (answer, i) => {
        if (accepted(answer)) return;
        resent += 1;
        final[i] = await sendIncomingCall(stack.apiUrl, bodies[i]!);
      }),
    );
    if (final.some((a) => !accepted(a))) await sleep(500);
  }
  return { bodies, first, final, resent, exitCode };
}

async function expectEveryCallOnce({ bodies, first, final }: BurstResult): Promise<string[]> {
  // Every webhook is answered 202 in the end, with its own call's workflow id.
  const ids = final.map((answer, i) => {
    expect(accepted(answer)).toBe(true);
    const json = (answer as { json: any }).json;
    expect(json.call_id).toBe(bodies[i]!.call_id);
    return json.workflow_id as string;
  });
  expect(new Set(ids).size).toBe(bodies.length);
  // A first delivery answered 202 started its call; only a re-sent webhook may find its call started already.
  first.forEach((answer) => {
    if (accepted(answer)) expect(answer.json.duplicate).toBe(false);
  });
  const closed = await waitForCallsClosed(stack, ids, 60_000);
  await expectCallsCompletedOnce(stack, closed, { singleRequest: true });
  // Exactly one call_log row per 3CX call.
  const rows = await stack.db.prisma.callLog.groupBy({ by: ['threecxCallId'], where: { callId: { in: ids } }, _count: true });
  expect(rows).toHaveLength(bodies.length);
  for (const row of rows) expect(row._count).toBe(1);
  return ids;
}

const summary = (r: BurstResult) => {
  const failed = r.first.filter((a) => !accepted(a));
  const kinds = failed.map((a) => ('error' in a ? a.error : String(a.status)));
  const counts = Object.entries(kinds.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {}));
  const duplicates = r.final.filter((a, i) => !accepted(r.first[i]) && accepted(a) && a.json.duplicate).length;
  return `${r.bodies.length - failed.length}/${r.bodies.length} accepted first time, failed ${JSON.stringify(Object.fromEntries(counts))}, ${r.resent} re-sends, ${duplicates} re-sends found their call already started`;
};

test('API SIGKILLed mid-burst of 50 webhooks: accepted calls complete, re-sent ones produce exactly one call each', async () => {
  const result = await burstWithRestart(50, 15, 10, 'SIGKILL');
  expect(result.exitCode).toBeNull();
  expect(result.first.filter((a) => !accepted(a)).length).toBeGreaterThan(0);
  await expectEveryCallOnce(result);
  console.info(`[faults/api-restart] SIGKILL: ${summary(result)}`);
});

test('API SIGTERMed mid-burst of 30 webhooks: it exits cleanly, every call exists exactly once', async () => {
  const result = await burstWithRestart(30, 40, 8, 'SIGTERM');
  expect(result.exitCode).toBe(0);
  // A graceful stop answers what it started: no webhook's call was started without a 202.
  expect(result.final.filter((a, i) => !accepted(result.first[i]) && accepted(a) && a.json.duplicate)).toHaveLength(0);
  await expectEveryCallOnce(result);
  console.info(`[faults/api-restart] SIGTERM: ${summary(result)}`);
});
