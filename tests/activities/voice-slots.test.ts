import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { cacheCleanupActivities } from '../../src/activities/cache-cleanup';
import { cloneActivities, type ClonedVoice } from '../../src/activities/clone';
import { startActivityFixture, type ActivityFixture } from '../support/activity-deps';
import { makeWav } from '../../scripts/sine-wav';

// Voice slots at the ElevenLabs sandbox: who gets evicted to make room, and that clone jobs running
// at the same time never count the same free slot.

let fx: ActivityFixture;
beforeAll(async () => {
  fx = await startActivityFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(async () => {
  await fx.db.prisma.voiceCloneCache.deleteMany();
  await fx.db.prisma.callLog.deleteMany();
  fx.sandbox.reset();
});

const MAX_CALL_SECONDS = 3600;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
const clonedVoices = () => [...fx.sandbox.voices.values()].filter((v) => v.category === 'cloned').map((v) => v.voiceId);

let next = 0;
const newCaller = () => `+49151300${String(++next).padStart(5, '0')}`;

/** Voices at the sandbox cached for other callers, least recently used first. */
async function cachedVoices(count: number, lastUsed: (i: number) => Date = (i) => hoursAgo(10 - i)): Promise<string[]> {
  fx.sandbox.configure({ cloneLatencyMs: 1, voiceLimit: 100 });
  const voices: string[] = [];
  for (let i = 0; i < count; i++) {
    const { voiceId } = await fx.elevenlabs.createVoiceClone({ name: `cached ${i}`, samples: [{ data: Buffer.from('RIFF'), fileName: 'a.wav' }] });
    await fx.db.prisma.voiceCloneCache.create({ data: { callerId: newCaller(), clonedVoiceId: voiceId, ttlExpiresAt: new Date(Date.now() + 3_600_000), lastUsedAt: lastUsed(i) } });
    voices.push(voiceId);
  }
  return voices;
}

async function registeredCaller(): Promise<string> {
  const callerId = newCaller();
  writeFileSync(path.join(fx.samplesDir, `${callerId.slice(1)}.wav`), makeWav(4));
  await fx.db.prisma.callerVoiceMapping.create({ data: { callerId, voiceSampleUrl: `${callerId.slice(1)}.wav`, voiceName: 'Slot test' } });
  return callerId;
}

async function callSpeakingIn(voiceId: string, startedAt: Date): Promise<void> {
  await fx.db.prisma.callLog.create({ data: { callId: `call-slots.test-${++next}`, threecxCallId: String(next), callerId: newCaller(), clonedVoiceId: voiceId, callStartedAt: startedAt } });
}

const evictedRows = () => fx.db.prisma.voiceCloneCache.findMany({ where: { deletedAt: { not: null } }, select: { clonedVoiceId: true } }).then((rows) => rows.map((r) => r.clonedVoiceId));

describe('two clone jobs needing a slot at the same moment', () => {
  test.each([
    [1, 1],
    [0, 2],
  ])('with %i free slot(s) they evict exactly %i least-recently-used clone(s) and neither hits voice_limit_reached', async (freeSlots, evictions) => {
    const cached = await cachedVoices(4);
    fx.sandbox.configure({ voiceLimit: cached.length + freeSlots, cloneLatencyMs: 300 });
    const callers = [await registeredCaller(), await registeredCaller()];
    const clone = cloneActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs, storage: fx.storage, sampleLimits: { maxSizeBytes: 1_000_000, minDurationSeconds: 3 } });
    const before = fx.sandbox.requests.length;

    const cloneFor = (callerId: string, i: number): Promise<ClonedVoice> =>
      new MockActivityEnvironment({ activityId: `slot-${i}` }).run(clone.cloneVoice, { callerId, timeoutSeconds: 30, requireConsent: false, maxCallDurationSeconds: MAX_CALL_SECONDS });
    const made = await Promise.all(callers.map(cloneFor));

    expect(fx.sandbox.requests.slice(before).filter((r) => r.endpoint === 'voices.add').map((r) => r.status)).toEqual([200, 200]);
    expect((await evictedRows()).sort()).toEqual(cached.slice(0, evictions).sort());
    expect(clonedVoices().sort()).toEqual([...cached.slice(evictions), ...made.map((m) => m.voiceId)].sort());
    // The reservations are released once the voices exist.
    expect(await fx.db.prisma.voiceCloneCache.count({ where: { clonedVoiceId: { startsWith: 'slot-reservation:' } } })).toBe(0);
  });
});

test('eviction never takes a voice a live call is speaking in, nor one just handed out; a call past the longest call duration holds nothing', async () => {
  const recent = new Date(Date.now() - 60_000);
  const [inUse, oldest, stale, handedOut, newest] = await cachedVoices(5, (i) => [hoursAgo(10), hoursAgo(9), hoursAgo(8), recent, hoursAgo(7)][i]!);
  await callSpeakingIn(inUse!, recent);
  await callSpeakingIn(stale!, hoursAgo(2));
  fx.sandbox.configure({ voiceLimit: 5 });

  const cleanup = cacheCleanupActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs });
  const result = await new MockActivityEnvironment().run(cleanup.evictForVoiceSlots, { reserve: 2, maxCallDurationSeconds: MAX_CALL_SECONDS });

  expect(result).toEqual({ evicted: 2, voicesDeleted: 2, freeVoiceSlots: 2 });
  expect((await evictedRows()).sort()).toEqual([oldest!, stale!].sort());
  expect(clonedVoices().sort()).toEqual([inUse!, handedOut!, newest!].sort());
});
