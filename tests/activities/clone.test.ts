import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { cloneActivities } from '../../src/activities/clone';
import { startActivityFixture, type ActivityFixture } from '../support/activity-deps';
import { makeWav } from '../support/storage';

let fx: ActivityFixture;
beforeAll(async () => {
  fx = await startActivityFixture({ cloneLatencyMs: 10_000 });
});
afterAll(async () => {
  await fx?.close();
});

const limits = { maxSizeBytes: 10 * 1024 * 1024, minDurationSeconds: 3 };
const activities = () => cloneActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs, storage: fx.storage, sampleLimits: limits });

async function register(callerId: string, seconds: number): Promise<void> {
  const file = `${callerId.slice(1)}.wav`;
  writeFileSync(path.join(fx.samplesDir, file), makeWav(seconds));
  await fx.db.prisma.callerVoiceMapping.create({ data: { callerId, voiceSampleUrl: file, voiceName: 'Test caller' } });
}

test('cancelling the clone activity aborts the HTTP request at once', async () => {
  await register('+4915100000001', 4);
  const env = new MockActivityEnvironment();
  const started = Date.now();
  const running = env.run(activities().cloneVoice, { callerId: '+4915100000001', timeoutSeconds: 30 });
  const request = await fx.sandbox.waitForRequest((r) => r.endpoint === 'voices.add', 5000);
  env.cancel('CANCELLED');
  await expect(running).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(3000);
  await new Promise((r) => setTimeout(r, 100));
  expect(request.clientAborted).toBe(true);
  expect([...fx.sandbox.voices.values()].filter((v) => v.category === 'cloned')).toHaveLength(0);
});

test('no registered sample → non-retryable NoVoiceSampleError, nothing sent', async () => {
  const before = fx.sandbox.requests.length;
  await expect(new MockActivityEnvironment().run(activities().cloneVoice, { callerId: '+4915100000002', timeoutSeconds: 30 })).rejects.toMatchObject({
    type: 'NoVoiceSampleError',
    nonRetryable: true,
  });
  expect(fx.sandbox.requests.length).toBe(before);
});

test('a sample that is too short is rejected before ElevenLabs sees it', async () => {
  await register('+4915100000003', 1);
  const before = fx.sandbox.requests.length;
  await expect(new MockActivityEnvironment().run(activities().cloneVoice, { callerId: '+4915100000003', timeoutSeconds: 30 })).rejects.toMatchObject({
    type: 'VoiceSampleRejectedError',
    nonRetryable: true,
    message: expect.stringMatching(/too short/),
  });
  expect(fx.sandbox.requests.length).toBe(before);
});

test('the clone activity heartbeats while it waits for ElevenLabs', async () => {
  await register('+4915100000004', 4);
  fx.sandbox.configure({ cloneLatencyMs: 2500 });
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const result: { voiceId: string } = await env.run(activities().cloneVoice, { callerId: '+4915100000004', timeoutSeconds: 30 });
  expect(result.voiceId).toEqual(expect.any(String));
  expect(beats.length).toBeGreaterThanOrEqual(3);
});
