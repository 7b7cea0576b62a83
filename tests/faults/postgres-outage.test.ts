import { uniqueCaller } from '../support/calls';
import { TEST_ADMIN_DATABASE_URL } from '../support/env';
import {
  expectCallsCompletedOnce,
  outboundRequests,
  placeCall,
  sleep,
  startFaultStack,
  until,
  waitForCallsClosed,
  type FaultStack,
} from '../support/faults/harness';
import { startTcpProxy, type TcpProxy } from '../support/faults/tcp-proxy';

// Fault family: PostgreSQL becomes unreachable for several seconds while calls run (open
// connections reset, then new ones refused). Both processes reach it only through a TCP proxy the
// test cuts; migrations ran through it at start.
jest.setTimeout(85_000);

const RESET_MS = 2_000;
const REFUSE_MS = 4_500;
/** Longer than the agentCall retry schedule (24 s) with a margin; far shorter than a real database failover can take. */
const LONG_OUTAGE_MS = 28_000;

let proxy: TcpProxy | undefined;
let stack: FaultStack | undefined;
beforeAll(async () => {
  const pg = new URL(TEST_ADMIN_DATABASE_URL);
  proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
  const proxied = proxy.port;
  stack = await startFaultStack({
    processDatabaseUrl: (direct) => {
      const url = new URL(direct);
      url.hostname = '127.0.0.1';
      url.port = String(proxied);
      return url.toString();
    },
    // Agent calls last a while so some end (post-call webhook → API → database) during the outage.
    sandbox: { cloneLatencyMs: 1_500, outboundCallLatencyMs: { min: 200, max: 400 }, callDurationMs: { min: 500, max: 4_000 } },
    env: { CLONE_MAX_WAIT_SECONDS: '30' },
  });
  await Promise.all([stack.startWorker(), stack.startApi()]);
});
afterAll(async () => {
  await stack?.close();
  await proxy?.close();
});

test('PostgreSQL unreachable for ~6.5 s mid-call: activities retry, every call completes once and every call_log row is final', async () => {
  const s = stack!;
  const p = proxy!;
  const withSample = [uniqueCaller(), uniqueCaller(), uniqueCaller()];
  for (const caller of withSample) await s.registerVoiceSample(caller);
  const before = await Promise.all([...withSample, uniqueCaller(), uniqueCaller()].map((caller) => placeCall(s, { caller_id: caller })));
  await until(
    () => before.filter((id) => outboundRequests(s.sandbox, id, 'greeting').length > 0).length,
    (n) => n === before.length,
    20_000,
    (n) => `${n} of ${before.length} greetings placed`,
  );

  // Outage: open connections reset, new ones reset, then refused; calls keep arriving meanwhile.
  const forwardedBefore = p.forwarded;
  await p.down('reset');
  const during: string[] = [];
  during.push(await placeCall(s, { caller_id: uniqueCaller() }));
  await sleep(RESET_MS);
  await p.down('refuse');
  const lateSample = uniqueCaller();
  await s.registerVoiceSample(lateSample);
  during.push(await placeCall(s, { caller_id: lateSample }), await placeCall(s, { caller_id: uniqueCaller() }));
  await sleep(REFUSE_MS);
  const dropped = p.dropped;
  await p.up();

  const ids = [...before, ...during];
  const closed = await waitForCallsClosed(s, ids, 60_000);
  await expectCallsCompletedOnce(s, closed, { singleRequest: true });

  // The outage really hit the processes, and they reconnected afterwards.
  expect(dropped).toBeGreaterThan(0);
  expect(p.forwarded).toBeGreaterThan(forwardedBefore);
  expect(s.worker!.child.exitCode).toBeNull();
  expect(s.api!.child.exitCode).toBeNull();

  // Nothing lost: every call has its row, clones are cached, every conversation's post-call data is stored and handed over.
  expect(await s.db.prisma.callLog.count({ where: { callId: { in: ids } } })).toBe(ids.length);
  for (const caller of [...withSample, lateSample]) {
    const call = [...closed.values()].find((c) => c.outcome?.voice.source === 'clone' && s.sandbox.voices.get(c.outcome.voice.voiceId ?? '')?.name.endsWith(caller));
    expect({ caller, cloned: call !== undefined }).toEqual({ caller, cloned: true });
    expect(await s.db.prisma.voiceCloneCache.count({ where: { callerId: caller, deletedAt: null } })).toBe(1);
  }
  // Agent conversations were handed to their call (it waited for them); greeting ones may end after
  // the call closed and are then only stored.
  const agentConversations = [...closed.values()].map((c) => c.outcome!.conversations.agent!).sort();
  const greetingConversations = [...closed.values()].map((c) => c.outcome!.conversations.greeting!).sort();
  const delivered = await s.db.prisma.postCallEvent.findMany({ where: { conversationId: { in: agentConversations }, deliveredAt: { not: null } } });
  expect(delivered.map((e) => e.conversationId).sort()).toEqual(agentConversations);
  const stored = await until(
    () => s.db.prisma.postCallEvent.findMany({ where: { conversationId: { in: greetingConversations } } }),
    (rows) => rows.length === greetingConversations.length,
    30_000,
    (rows) => `${rows.length} of ${greetingConversations.length} greeting post-call events stored`,
  );
  expect(stored.map((e) => e.conversationId).sort()).toEqual(greetingConversations);
  console.info(`[faults/postgres-outage] ${dropped} connections reset during a ${RESET_MS + REFUSE_MS} ms outage; ${ids.length} calls (${during.length} arrived during it) completed`);
});

// Regression (found by this suite): the agent-call activities used to write call_conversations
// under the ElevenLabs retry policy (5 attempts ≈ 24 s), so a longer outage while a placed greeting
// was being recorded failed the call. The record is now the workflow's own, always-retried write.
test(`PostgreSQL unreachable for ${LONG_OUTAGE_MS / 1000} s while a placed greeting is being recorded: the call still completes`, async () => {
  const s = stack!;
  const p = proxy!;
  s.sandbox.configure({ outboundCallLatencyMs: 300 });
  try {
    const id = await placeCall(s, { caller_id: uniqueCaller() });
    await until(
      () => outboundRequests(s.sandbox, id, 'greeting')[0],
      (r) => r !== undefined,
      20_000,
      () => 'greeting not requested',
    );
    // ElevenLabs places the greeting and answers 300 ms later; the worker cannot record it.
    await p.down('reset');
    await sleep(LONG_OUTAGE_MS);
    await p.up();
    s.sandbox.configure({ outboundCallLatencyMs: { min: 200, max: 400 } });
    const closed = await waitForCallsClosed(s, [id], 30_000);
    console.info(`[faults/postgres-outage] long outage: call ${closed.get(id)!.outcome?.phase} (${closed.get(id)!.outcome?.failureReason ?? ''}: ${closed.get(id)!.outcome?.lastError ?? ''})`);
    await expectCallsCompletedOnce(s, closed, { singleRequest: true });
  } finally {
    await p.up();
    s.sandbox.configure({ outboundCallLatencyMs: { min: 200, max: 400 } });
  }
});
