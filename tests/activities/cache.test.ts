import { MockActivityEnvironment } from '@temporalio/testing';
import { cacheActivities } from '../../src/activities/cache';
import type { ClonedVoice } from '../../src/activities/clone';
import { deleteRegistration } from '../../src/api/admin/voice-registration';
import { sampleRegistrationOf } from '../../src/db/voice-cache';
import { startActivityFixture, type ActivityFixture } from '../support/activity-deps';

// The clone cache as calls and clone jobs use it: what ends up in voice_clone_cache, call_log and
// voice_clone_log, and which voices exist at the ElevenLabs sandbox.

let fx: ActivityFixture;
beforeAll(async () => {
  fx = await startActivityFixture({ cloneLatencyMs: 10 });
});
afterAll(async () => {
  await fx?.close();
});

const activities = () => cacheActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs });
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => new MockActivityEnvironment().run(fn, ...args);
const hour = 3_600_000;

let next = 0;
const newCaller = () => `+49151200${String(++next).padStart(5, '0')}`;

async function sandboxVoice(): Promise<string> {
  const { voiceId } = await fx.elevenlabs.createVoiceClone({ name: 'cache test', samples: [{ data: Buffer.from('RIFF'), fileName: 'a.wav' }] });
  return voiceId;
}

async function startedCall(callerId: string): Promise<string> {
  const callId = `call-cache.test-${callerId.slice(1)}-${++next}`;
  await fx.db.prisma.callLog.create({ data: { callId, threecxCallId: String(next), callerId, status: 'initiated' } });
  return callId;
}

describe('findCachedVoice', () => {
  test('counts a call’s reuse once however often the look-up is retried, and marks the call with the voice', async () => {
    const caller = newCaller();
    await fx.db.prisma.voiceCloneCache.create({ data: { callerId: caller, clonedVoiceId: 'voice_reused', ttlExpiresAt: new Date(Date.now() + hour) } });
    const call = await startedCall(caller);

    const first = await run(activities().findCachedVoice, { callerId: caller, callId: call, countReuse: true });
    // A retry after a commit whose answer was lost.
    const retried = await run(activities().findCachedVoice, { callerId: caller, callId: call, countReuse: true });
    expect(first).toMatchObject({ voiceId: 'voice_reused', reuseCount: 2 });
    expect(retried).toMatchObject({ voiceId: 'voice_reused', reuseCount: 2 });
    expect(await fx.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: caller } })).toMatchObject({ reuseCount: 2 });
    expect(await fx.db.prisma.callLog.findUniqueOrThrow({ where: { callId: call } })).toMatchObject({ clonedVoiceId: 'voice_reused' });

    await run(activities().findCachedVoice, { callerId: caller, callId: await startedCall(caller), countReuse: true });
    expect(await fx.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: caller } })).toMatchObject({ reuseCount: 3 });
  });

  test('the clone job’s look-up (no call) counts nothing; expired and invalidated clones are never handed out', async () => {
    const caller = newCaller();
    await fx.db.prisma.voiceCloneCache.create({ data: { callerId: caller, clonedVoiceId: 'voice_job', ttlExpiresAt: new Date(Date.now() + hour) } });
    expect(await run(activities().findCachedVoice, { callerId: caller, callId: null, countReuse: false })).toMatchObject({ voiceId: 'voice_job', reuseCount: 1 });

    const other = newCaller();
    await fx.db.prisma.voiceCloneCache.createMany({
      data: [
        { callerId: other, clonedVoiceId: 'voice_expired', ttlExpiresAt: new Date(Date.now() - 1000) },
        { callerId: other, clonedVoiceId: 'voice_invalidated', ttlExpiresAt: new Date(Date.now() + hour), deletedAt: new Date() },
      ],
    });
    expect(await run(activities().findCachedVoice, { callerId: other, callId: await startedCall(other), countReuse: true })).toBeNull();
  });
});

describe('saveClonedVoice', () => {
  async function freshClone(caller: string): Promise<ClonedVoice> {
    const mapping = await fx.db.prisma.callerVoiceMapping.create({ data: { callerId: caller, voiceSampleUrl: `${caller.slice(1)}.wav`, voiceName: 'Test caller' } });
    return { voiceId: await sandboxVoice(), apiResponseTimeMs: 1234, sampleSizeBytes: 64_000, sampleDurationSeconds: 4, sampleRegistration: sampleRegistrationOf(mapping) };
  }
  const save = (caller: string, clone: ClonedVoice) => run(activities().saveClonedVoice, { ...clone, callerId: caller, ttlSeconds: 3600 });

  test('caches a clone whose sample is unchanged, once however often the save is retried', async () => {
    const caller = newCaller();
    const clone = await freshClone(caller);
    const saved = await save(caller, clone);
    expect(saved).toEqual({ cached: true, expiresAt: expect.any(String) });
    expect(await save(caller, clone)).toEqual(saved);
    expect(await fx.db.prisma.voiceCloneCache.findMany({ where: { callerId: caller } })).toEqual([expect.objectContaining({ clonedVoiceId: clone.voiceId, deletedAt: null })]);
    expect(await fx.db.prisma.voiceCloneLog.findMany({ where: { callerId: caller } })).toEqual([expect.objectContaining({ status: 'success', apiResponseTimeMs: 1234 })]);
  });

  const changes: [string, string, (caller: string) => Promise<unknown>][] = [
    ['replaced', 'sample_replaced', (caller) => fx.db.prisma.callerVoiceMapping.update({ where: { callerId: caller }, data: { voiceSampleUrl: 'new-sample.wav' } })],
    ['withdrawn', 'sample_withdrawn', (caller) => fx.db.prisma.callerVoiceMapping.update({ where: { callerId: caller }, data: { deletedAt: new Date() } })],
    [
      'kept but its consent withdrawn',
      'consent_withdrawn',
      (caller) => fx.db.prisma.voiceCloneConsent.create({ data: { callerId: caller, givenAt: new Date(Date.now() - hour), method: 'written', recordedBy: 'test', withdrawnAt: new Date() } }),
    ],
  ];
  test.each(changes)('a clone whose sample was %s while it was made is not cached, and its voice is deleted at ElevenLabs', async (_what, reason, change) => {
    const caller = newCaller();
    const clone = await freshClone(caller);
    await change(caller);

    const saved = await save(caller, clone);
    expect(saved).toEqual({ cached: false, reason, message: expect.any(String) });
    expect(fx.sandbox.voices.has(clone.voiceId)).toBe(false);
    expect(await fx.db.prisma.voiceCloneCache.findMany({ where: { callerId: caller } })).toEqual([
      expect.objectContaining({ clonedVoiceId: clone.voiceId, deletedAt: expect.any(Date), voiceDeletedAt: expect.any(Date) }),
    ]);
    expect(await run(activities().findCachedVoice, { callerId: caller, callId: null, countReuse: false })).toBeNull();
    expect(await fx.db.prisma.voiceCloneLog.findMany({ where: { callerId: caller } })).toEqual([expect.objectContaining({ status: 'discarded', errorMessage: reason })]);
    expect(await save(caller, clone)).toEqual(saved);
    expect(await fx.db.prisma.voiceCloneLog.count({ where: { callerId: caller } })).toBe(1);
  });

  test('when ElevenLabs cannot delete a discarded clone now, it stays queued for the cleanup job', async () => {
    const caller = newCaller();
    const clone = await freshClone(caller);
    await fx.db.prisma.callerVoiceMapping.update({ where: { callerId: caller }, data: { deletedAt: new Date() } });
    fx.sandbox.setFailure('voices.delete', { kind: '500', times: 1 });
    expect(await save(caller, clone)).toMatchObject({ cached: false, reason: 'sample_withdrawn' });
    expect(fx.sandbox.voices.has(clone.voiceId)).toBe(true);
    expect(await fx.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { clonedVoiceId: clone.voiceId } })).toMatchObject({ deletedAt: expect.any(Date), voiceDeletedAt: null });
  });

  test('a withdrawal committing while the save waits for the registration wins: nothing is cached', async () => {
    const caller = newCaller();
    const clone = await freshClone(caller);
    let saving: Promise<unknown> | undefined;
    await fx.db.prisma.$transaction(async (tx) => {
      await deleteRegistration(tx, caller, new Date());
      saving = save(caller, clone);
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(await saving).toMatchObject({ cached: false, reason: 'sample_withdrawn' });
    expect(await fx.db.prisma.voiceCloneCache.count({ where: { callerId: caller, deletedAt: null } })).toBe(0);
  });
});
