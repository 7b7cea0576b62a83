import { CACHE_CLEANUP_SCHEDULE_ID, type CacheCleanupResult } from '../../src/contracts/cache-cleanup';
import { ensureCacheCleanupSchedule } from '../../src/temporal/schedules';
import { eventually, uniqueCaller } from '../support/live-call';
import { startTestStack, type TestStack } from '../support/stack';

// The clone cache over its life, on the real stack: the cleanup Schedule expires clones and frees
// voice slots at ElevenLabs, operators invalidate a caller's clones over HTTP, orphans are swept.
jest.setTimeout(60_000);

const TOKEN = 'operator-token-0123456789abcdef';
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_API_TOKEN: TOKEN, VOICE_SLOT_RESERVE: '2' }, gateway: false });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.sandbox.clearFailures();
  stack.sandbox.configure({ cloneLatencyMs: 10, voiceLimit: 100 });
});

async function liveVoice(labels?: Record<string, string>): Promise<string> {
  const { voiceId } = await stack.elevenlabs.createVoiceClone({ name: 'cleanup test', ...(labels ? { labels } : {}), samples: [{ data: Buffer.from('RIFF'), fileName: 's.wav' }] });
  return voiceId;
}

const scheduleOptions = () => ({ taskQueue: stack.taskQueue, intervalSeconds: 3600, voiceSlotReserve: 2, callLogRetentionDays: 90, maxCallDurationSeconds: stack.config.call.maxCallDurationSeconds });

test('the Schedule is created idempotently and its run expires clones and deletes their voices at ElevenLabs', async () => {
  await ensureCacheCleanupSchedule(stack.env.client, scheduleOptions());
  await ensureCacheCleanupSchedule(stack.env.client, { ...scheduleOptions(), intervalSeconds: 1800 });
  const handle = stack.env.client.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID);
  expect((await handle.describe()).spec.intervals?.[0]?.every).toBe(1_800_000);

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
  const voices = [await liveVoice(), await liveVoice(), await liveVoice()];
  const { voiceSlotsUsed } = await stack.elevenlabs.getSubscription();
  stack.sandbox.configure({ voiceLimit: voiceSlotsUsed + 1 }); // one slot free, reserve is 2
  const caller = uniqueCaller();
  for (const [i, voiceId] of voices.entries()) {
    await stack.db.prisma.voiceCloneCache.create({
      data: { callerId: caller, clonedVoiceId: voiceId, ttlExpiresAt: new Date(Date.now() + 3_600_000), lastUsedAt: new Date(Date.now() - (10 - i) * 60_000) },
    });
  }
  await ensureCacheCleanupSchedule(stack.env.client, scheduleOptions());
  await readyForAnotherRun();
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
  await ensureCacheCleanupSchedule(stack.env.client, scheduleOptions());
  await readyForAnotherRun();
  const res = await fetch(`${stack.apiUrl}/api/v1/cache/${encodeURIComponent(caller)}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(await res.json()).toEqual({ caller_id: caller, invalidated: 1, voice_deletion: 'scheduled' });
  const status = await (await fetch(`${stack.apiUrl}/api/clone-status/${encodeURIComponent(caller)}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  expect(status).toMatchObject({ clone_ready: false });
  await eventually(() => stack.sandbox.voices.has(voiceId), (present) => !present, 20_000);
  expect(stack.sandbox.voices.has(voiceId)).toBe(false);
});

test('the cleanup sweeps orphaned clones (ours, uncached, older than an hour) and keeps cached, recent and foreign voices', async () => {
  const ours = { source: 'voiceclone-precall', clone_key: 'e2e-orphan-sweep' };
  const twoHoursAgo = Math.floor(Date.now() / 1000) - 7200;
  const orphan = await liveVoice(ours);
  const cached = await liveVoice(ours);
  const pendingDeletion = await liveVoice(ours);
  const recent = await liveVoice(ours);
  const foreign = await liveVoice({ source: 'someone-else' });
  for (const id of [orphan, cached, pendingDeletion, foreign]) expect(stack.sandbox.setVoiceCreatedAt(id, twoHoursAgo)).toBe(true);
  await stack.db.prisma.voiceCloneCache.create({ data: { callerId: uniqueCaller(), clonedVoiceId: cached, ttlExpiresAt: new Date(Date.now() + 3_600_000) } });
  // Invalidated, voice not yet deleted: the regular deletion owns it (deleted once, counted once).
  await stack.db.prisma.voiceCloneCache.create({
    data: { callerId: uniqueCaller(), clonedVoiceId: pendingDeletion, ttlExpiresAt: new Date(Date.now() + 3_600_000), deletedAt: new Date() },
  });

  await ensureCacheCleanupSchedule(stack.env.client, scheduleOptions());
  const handle = stack.env.client.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID);
  await readyForAnotherRun();
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

/**
 * Earlier runs must be over (overlap SKIP), so the next trigger starts the run that finds the new
 * rows; and a run's workflow id ends in its start time to the second, so a trigger within the same
 * second as the previous run would collide with it and start nothing.
 */
async function readyForAnotherRun(): Promise<void> {
  const handle = stack.env.client.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID);
  await eventually(async () => (await handle.describe()).info.runningActions.length, (n) => n === 0, 30_000);
  await new Promise((r) => setTimeout(r, 1_100));
}
