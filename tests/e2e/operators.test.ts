import { execFileSync } from 'node:child_process';
import type { CallStatus } from '../../src/contracts/call';
import { CACHE_CLEANUP_SCHEDULE_ID, type CacheCleanupResult } from '../../src/contracts/cache-cleanup';
import { cloneStatusQuery } from '../../src/contracts/messages';
import { resolveTemporalBinary } from '../../src/temporal/binaries';
import { ensureCacheCleanupSchedule } from '../../src/temporal/schedules';
import { agentCallRequests, callResult, callStatus, cloneRequests, eventually, placeCall, uniqueCaller } from '../support/calls';
import { startTestStack, type TestStack } from '../support/stack';

// What an operator does with a call that goes wrong, through our API, the Temporal CLI and the UI's
// search — all on the real server.
jest.setTimeout(90_000);

const TOKEN = 'operator-token-0123456789abcdef';
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_API_TOKEN: TOKEN, CLONE_MAX_WAIT_SECONDS: '20', VOICE_SLOT_RESERVE: '2', CORS_ORIGINS: 'https://ops.example' } });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.sandbox.clearFailures();
  stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 }, voiceLimit: 100 });
});

async function act(workflowId: string, action: string, token = TOKEN): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.apiUrl}/calls/${workflowId}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
}

async function slowCloneCall(latencyMs = 4000): Promise<{ workflowId: string; caller: string }> {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.configure({ cloneLatencyMs: latencyMs });
  const { workflowId } = await placeCall(stack, { caller_id: caller });
  await eventually(() => callStatus(stack, workflowId), (s) => s.phase === 'cloning');
  return { workflowId, caller };
}

const temporalCli = (...args: string[]) => {
  const cli = resolveTemporalBinary('temporal');
  if (cli.type !== 'existing-path') throw new Error('the Temporal CLI is needed for this test (npm run temporal:install)');
  return execFileSync(cli.path, [...args, '--address', stack.env.address, '--namespace', 'default'], { encoding: 'utf8' });
};

describe('search attributes', () => {
  test('calls can be listed by phase, and carry voice source, caller (hashed) and 3CX id', async () => {
    const { workflowId } = await slowCloneCall();
    const inCloning = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const wf of stack.env.client.workflow.list({ query: `CallPhase = 'cloning' AND WorkflowType = 'callWorkflow'` })) ids.push(wf.workflowId);
        return ids;
      },
      (ids) => ids.includes(workflowId),
    );
    expect(inCloning).toContain(workflowId);
    await act(workflowId, 'use-default-voice');
    await callResult(stack, workflowId);
    const description = await stack.env.client.workflow.getHandle(workflowId).describe();
    const attrs = Object.fromEntries(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    expect(attrs).toMatchObject({ CallPhase: 'completed', VoiceSource: 'default', ThreeCxCallId: workflowId.split('-').at(-1) });
    expect(attrs.CallerId).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(await description.staticSummary()).toMatch(/^Call from \+491…\d\d to \+4930123456$/);
  });
});

describe('operator actions over HTTP', () => {
  test('use-default-voice cuts the clone wait short and answers with the new status', async () => {
    const { workflowId } = await slowCloneCall();
    const res = await act(workflowId, 'use-default-voice');
    expect(res.status).toBe(202);
    expect((res.json.status as CallStatus).operatorActions.map((a) => a.action)).toEqual(['useDefaultVoiceNow']);
    const outcome = await callResult(stack, workflowId);
    expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: 'operator_requested' });
  });

  test('retry-clone rejoins the caller’s clone job (still one clone request) and restarts the wait', async () => {
    const before = cloneRequests(stack).length;
    const { workflowId } = await slowCloneCall(2000);
    const res = await act(workflowId, 'retry-clone');
    expect(res.json.status.operatorActions.map((a: { action: string }) => a.action)).toEqual(['retryClone']);
    const outcome = await callResult(stack, workflowId);
    expect(outcome.voice.source).toBe('clone');
    expect(cloneRequests(stack).length - before).toBe(1);
  });

  test('cancel runs the cleanup: call log cancelled, clone job released, no transfer', async () => {
    const { workflowId, caller } = await slowCloneCall();
    const res = await act(workflowId, 'cancel');
    expect(res.status).toBe(202);
    expect(res.json.status.phase).toBe('cancelled');
    expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'cancelled' });
    const clone = await stack.env.client.workflow.getHandle(`clone-${caller}`).query(cloneStatusQuery);
    expect(clone.subscribers).not.toContain(workflowId);
    expect(agentCallRequests(stack, workflowId, 'agent')).toHaveLength(0);
  });

  test('a closed call → 409, an unknown call → 404, a missing token → 401', async () => {
    const { workflowId } = await placeCall(stack);
    await callResult(stack, workflowId);
    expect((await act(workflowId, 'retry-clone')).status).toBe(409);
    expect((await act(workflowId, 'cancel')).json.error.code).toBe('call_closed');
    expect((await act('call-acme.3cx.eu-404404', 'use-default-voice')).status).toBe(404);
    expect((await act(workflowId, 'cancel', 'wrong-token')).status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/calls/${workflowId}`)).status).toBe(401);
  });
});

test('CORS: a browser on a configured origin may call the operator API; other origins get no CORS headers', async () => {
  const preflight = await fetch(`${stack.apiUrl}/calls/call-acme.3cx.eu-1/cancel`, {
    method: 'OPTIONS',
    headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example');
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  const foreign = await fetch(`${stack.apiUrl}/api/clone-status/%2B4915112345678`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` } });
  expect(foreign.status).toBe(200);
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
});

describe('the same actions from the Temporal CLI', () => {
  test('`temporal workflow signal --name useDefaultVoiceNow` and `temporal workflow cancel`', async () => {
    const first = await slowCloneCall();
    temporalCli('workflow', 'signal', '--workflow-id', first.workflowId, '--name', 'useDefaultVoiceNow');
    expect((await callResult(stack, first.workflowId)).voice.fallbackReason).toBe('operator_requested');

    const second = await slowCloneCall();
    temporalCli('workflow', 'cancel', '--workflow-id', second.workflowId);
    await expect(callResult(stack, second.workflowId)).rejects.toThrow();
    expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: second.workflowId } })).toMatchObject({ status: 'cancelled' });
  });

  test('`temporal workflow reset` re-runs a finished call without placing its agent calls again', async () => {
    const { workflowId } = await placeCall(stack);
    const first = await callResult(stack, workflowId);
    expect(agentCallRequests(stack, workflowId)).toHaveLength(2);
    temporalCli('workflow', 'reset', '--workflow-id', workflowId, '--type', 'FirstWorkflowTask', '--reason', 'test reset', '--yes');
    const again = await eventually(
      async () => (await stack.env.client.workflow.getHandle(workflowId).describe()).status.name,
      (s) => s !== 'RUNNING',
      30_000,
    );
    expect(again).toBe('COMPLETED');
    const rerun = (await stack.env.client.workflow.getHandle(workflowId).result()) as typeof first;
    expect(rerun.conversations).toEqual(first.conversations);
    expect(agentCallRequests(stack, workflowId)).toHaveLength(2);
    // …nor writes its events twice.
    expect(await stack.db.prisma.cloneTransferEvent.count({ where: { agentCallId: first.conversations.agent! } })).toBe(1);
  });
});

describe('cache lifecycle', () => {
  async function liveVoice(): Promise<string> {
    const { voiceId } = await stack.elevenlabs.createVoiceClone({ name: 'cleanup test', samples: [{ data: Buffer.from('RIFF'), fileName: 's.wav' }] });
    return voiceId;
  }

  test('the Schedule is created idempotently and its run expires clones and deletes their voices at ElevenLabs', async () => {
    stack.sandbox.configure({ cloneLatencyMs: 10 });
    const options = { taskQueue: stack.taskQueue, intervalSeconds: 3600, voiceSlotReserve: 2, callLogRetentionDays: 90 };
    await ensureCacheCleanupSchedule(stack.env.client, options);
    await ensureCacheCleanupSchedule(stack.env.client, { ...options, intervalSeconds: 1800 });
    const handle = stack.env.client.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID);
    const description = await handle.describe();
    expect(description.spec.intervals?.[0]?.every).toBe(1_800_000);

    const expiredVoice = await liveVoice();
    const freshVoice = await liveVoice();
    const caller = uniqueCaller();
    await stack.db.prisma.voiceCloneCache.createMany({
      data: [
        { callerId: caller, clonedVoiceId: expiredVoice, ttlExpiresAt: new Date(Date.now() - 1000) },
        { callerId: caller, clonedVoiceId: freshVoice, ttlExpiresAt: new Date(Date.now() + 3_600_000) },
      ],
    });
    await handle.trigger();
    await eventually(() => stack.db.prisma.voiceCloneCache.findFirst({ where: { clonedVoiceId: expiredVoice } }), (r) => r?.voiceDeletedAt != null, 20_000);
    expect(stack.sandbox.voices.has(expiredVoice)).toBe(false);
    expect(stack.sandbox.voices.has(freshVoice)).toBe(true);
    expect(await stack.db.prisma.voiceCloneCache.findFirst({ where: { clonedVoiceId: freshVoice } })).toMatchObject({ deletedAt: null });
  });

  test('when free voice slots fall below the reserve, least-recently-used clones are evicted', async () => {
    // Clone jobs of earlier tests may still be running: let them finish before counting slots.
    await eventually(() => cloneRequests(stack).every((r) => r.status !== undefined), (done) => done, 20_000);
    const voices = [await liveVoice(), await liveVoice(), await liveVoice()];
    const { voiceSlotsUsed } = await stack.elevenlabs.getSubscription();
    stack.sandbox.configure({ voiceLimit: voiceSlotsUsed + 1 }); // one slot free, reserve is 2
    const caller = uniqueCaller();
    for (const [i, voiceId] of voices.entries()) {
      await stack.db.prisma.voiceCloneCache.create({
        data: { callerId: caller, clonedVoiceId: voiceId, ttlExpiresAt: new Date(Date.now() + 3_600_000), lastUsedAt: new Date(Date.now() - (10 - i) * 60_000) },
      });
    }
    await stack.env.client.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID).trigger();
    await eventually(() => stack.db.prisma.voiceCloneCache.findFirst({ where: { clonedVoiceId: voices[0] } }), (r) => r?.voiceDeletedAt != null, 20_000);
    expect(stack.sandbox.voices.has(voices[0]!)).toBe(false);
    expect(stack.sandbox.voices.has(voices[1]!)).toBe(true);
    expect(stack.sandbox.voices.has(voices[2]!)).toBe(true);
  });

  test('DELETE /api/v1/cache/:callerId invalidates at once and the voice is deleted by the next cleanup', async () => {
    const voiceId = await liveVoice();
    const caller = uniqueCaller();
    await stack.db.prisma.voiceCloneCache.create({ data: { callerId: caller, clonedVoiceId: voiceId, ttlExpiresAt: new Date(Date.now() + 3_600_000) } });
    const res = await fetch(`${stack.apiUrl}/api/v1/cache/${encodeURIComponent(caller)}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await res.json()).toEqual({ caller_id: caller, invalidated: 1, voice_deletion: 'scheduled' });
    const status = await (await fetch(`${stack.apiUrl}/api/clone-status/${encodeURIComponent(caller)}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(status).toMatchObject({ clone_ready: false });
    await eventually(() => stack.sandbox.voices.has(voiceId), (present) => !present, 20_000);
    expect(stack.sandbox.voices.has(voiceId)).toBe(false);
  });

  test('the cleanup sweeps orphaned clones (ours, uncached, older than an hour) and keeps cached, recent and foreign voices', async () => {
    stack.sandbox.configure({ cloneLatencyMs: 10 });
    const ours = { source: 'voiceclone-precall', clone_key: 'e2e-orphan-sweep' };
    const voice = async (labels: Record<string, string>): Promise<string> =>
      (await stack.elevenlabs.createVoiceClone({ name: 'sweep test', labels, samples: [{ data: Buffer.from('RIFF'), fileName: 's.wav' }] })).voiceId;
    const twoHoursAgo = Math.floor(Date.now() / 1000) - 7200;
    const orphan = await voice(ours);
    const cached = await voice(ours);
    const pendingDeletion = await voice(ours);
    const recent = await voice(ours);
    const foreign = await voice({ source: 'someone-else' });
    for (const id of [orphan, cached, pendingDeletion, foreign]) expect(stack.sandbox.setVoiceCreatedAt(id, twoHoursAgo)).toBe(true);
    const caller = uniqueCaller();
    await stack.db.prisma.voiceCloneCache.create({ data: { callerId: caller, clonedVoiceId: cached, ttlExpiresAt: new Date(Date.now() + 3_600_000) } });
    // Invalidated, voice not yet deleted: the regular deletion owns it (deleted once, counted once).
    await stack.db.prisma.voiceCloneCache.create({
      data: { callerId: uniqueCaller(), clonedVoiceId: pendingDeletion, ttlExpiresAt: new Date(Date.now() + 3_600_000), deletedAt: new Date() },
    });

    const handle = stack.env.client.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID);
    // Earlier tests' runs must be over, so this run is the one that finds the orphan.
    await eventually(async () => (await handle.describe()).info.runningActions.length, (n) => n === 0, 30_000);
    // A scheduled run's workflow id ends in its start time to the second: a trigger within the same
    // second as the previous run would collide with it and start nothing.
    await new Promise((r) => setTimeout(r, 1_100));
    const earlier = new Set((await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
    await handle.trigger();
    const run = await eventually(
      async () => (await handle.describe()).info.recentActions.find((a) => !earlier.has(a.action.workflow.workflowId)),
      (action) => action !== undefined,
      20_000,
    );
    if (run === undefined) throw new Error('the triggered cleanup run did not start');
    const result: CacheCleanupResult = await stack.env.client.workflow.getHandle(run.action.workflow.workflowId).result();
    expect(stack.sandbox.voices.has(orphan)).toBe(false);
    expect(stack.sandbox.voices.has(pendingDeletion)).toBe(false);
    expect(stack.sandbox.voices.has(cached)).toBe(true);
    expect(stack.sandbox.voices.has(recent)).toBe(true);
    expect(stack.sandbox.voices.has(foreign)).toBe(true);
    expect(result.voicesDeleted).toBeGreaterThanOrEqual(2);
    expect(result.voiceDeletionsFailed).toBe(0);
    const deletes = stack.sandbox.requests.filter((r) => r.endpoint === 'voices.delete' && [orphan, pendingDeletion].some((id) => r.path.endsWith(id)));
    expect(deletes).toHaveLength(2);
  });
});
