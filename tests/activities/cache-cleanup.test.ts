import { MockActivityEnvironment } from '@temporalio/testing';
import { cacheActivities } from '../../src/activities/cache';
import { cacheCleanupActivities } from '../../src/activities/cache-cleanup';
import { startActivityFixture, type ActivityFixture } from '../support/activity-deps';

// The cleanup job's expiry and voice deletion against the ElevenLabs sandbox: a voice a live call
// speaks in is never deleted under it.

let fx: ActivityFixture;
beforeAll(async () => {
  fx = await startActivityFixture({ cloneLatencyMs: 1 });
});
afterAll(async () => {
  await fx?.close();
});

const MAX_CALL_SECONDS = 3600;
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => new MockActivityEnvironment().run(fn, ...args);
const cleanup = () => cacheCleanupActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs });

let next = 0;
const newCaller = () => `+49151400${String(++next).padStart(5, '0')}`;

async function sandboxVoice(): Promise<string> {
  const { voiceId } = await fx.elevenlabs.createVoiceClone({ name: 'cleanup test', samples: [{ data: Buffer.from('RIFF'), fileName: 'a.wav' }] });
  return voiceId;
}

test('an expired clone a live call speaks in is never handed out again, and its voice is deleted only after the call ends', async () => {
  const caller = newCaller();
  const voiceId = await sandboxVoice();
  await fx.db.prisma.voiceCloneCache.create({ data: { callerId: caller, clonedVoiceId: voiceId, ttlExpiresAt: new Date(Date.now() + 60_000) } });
  const callId = `call-cleanup.test-${++next}`;
  await fx.db.prisma.callLog.create({ data: { callId, threecxCallId: String(next), callerId: caller, status: 'initiated' } });
  const cache = cacheActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs });
  expect(await run(cache.findCachedVoice, { callerId: caller, callId, countReuse: true })).toMatchObject({ voiceId });
  await fx.db.prisma.voiceCloneCache.updateMany({ where: { clonedVoiceId: voiceId }, data: { ttlExpiresAt: new Date(Date.now() - 1000) } });

  expect((await run(cleanup().expireCachedVoices)).expired).toBeGreaterThanOrEqual(1);
  await run(cleanup().deleteInvalidatedVoices, { maxCallDurationSeconds: MAX_CALL_SECONDS });
  expect(fx.sandbox.voices.has(voiceId)).toBe(true);
  expect(await fx.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { clonedVoiceId: voiceId } })).toMatchObject({ deletedAt: expect.any(Date), voiceDeletedAt: null });
  expect(await run(cache.findCachedVoice, { callerId: caller, callId: null, countReuse: false })).toBeNull();

  await fx.db.prisma.callLog.update({ where: { callId }, data: { status: 'completed', callEndedAt: new Date() } });
  const { deleted } = await run(cleanup().deleteInvalidatedVoices, { maxCallDurationSeconds: MAX_CALL_SECONDS });
  expect(deleted).toBeGreaterThanOrEqual(1);
  expect(fx.sandbox.voices.has(voiceId)).toBe(false);
  expect(await fx.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { clonedVoiceId: voiceId } })).toMatchObject({ voiceDeletedAt: expect.any(Date) });
});

test('a call_log row left `initiated` beyond the longest call duration does not keep a voice forever', async () => {
  const voiceId = await sandboxVoice();
  await fx.db.prisma.voiceCloneCache.create({ data: { callerId: newCaller(), clonedVoiceId: voiceId, ttlExpiresAt: new Date(), deletedAt: new Date() } });
  await fx.db.prisma.callLog.create({
    data: { callId: `call-cleanup.test-${++next}`, threecxCallId: String(next), callerId: newCaller(), clonedVoiceId: voiceId, callStartedAt: new Date(Date.now() - 2 * MAX_CALL_SECONDS * 1000) },
  });
  await run(cleanup().deleteInvalidatedVoices, { maxCallDurationSeconds: MAX_CALL_SECONDS });
  expect(fx.sandbox.voices.has(voiceId)).toBe(false);
});

test('voices ElevenLabs failed to delete stay queued and are deleted by the next run', async () => {
  const voiceId = await sandboxVoice();
  await fx.db.prisma.voiceCloneCache.create({ data: { callerId: newCaller(), clonedVoiceId: voiceId, ttlExpiresAt: new Date(), deletedAt: new Date() } });
  fx.sandbox.setFailure('voices.delete', { kind: '500' });
  const failedRun = await run(cleanup().deleteInvalidatedVoices, { maxCallDurationSeconds: MAX_CALL_SECONDS });
  expect(failedRun.failed).toBeGreaterThanOrEqual(1);
  expect(fx.sandbox.voices.has(voiceId)).toBe(true);
  fx.sandbox.setFailure('voices.delete', null);
  await run(cleanup().deleteInvalidatedVoices, { maxCallDurationSeconds: MAX_CALL_SECONDS });
  expect(fx.sandbox.voices.has(voiceId)).toBe(false);
});
