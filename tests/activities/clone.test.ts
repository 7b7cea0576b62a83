import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { cloneActivities, cloneKey, sampleKey, type ClonedVoice } from '../../src/activities/clone';
import { startActivityFixture, type ActivityFixture } from '../support/activity-deps';
import { makeWav } from '../../scripts/sine-wav';

let fx: ActivityFixture;
beforeAll(async () => {
  fx = await startActivityFixture({ cloneLatencyMs: 10_000 });
});
afterAll(async () => {
  await fx?.close();
});

const limits = { maxSizeBytes: 10 * 1024 * 1024, minDurationSeconds: 3 };
const activities = () => cloneActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs, storage: fx.storage, sampleLimits: limits });
const input = (callerId: string, requireConsent = false) => ({ callerId, timeoutSeconds: 30, requireConsent, maxCallDurationSeconds: 3600 });

async function register(callerId: string, seconds: number): Promise<void> {
  const file = `${callerId.slice(1)}.wav`;
  writeFileSync(path.join(fx.samplesDir, file), makeWav(seconds));
  await fx.db.prisma.callerVoiceMapping.create({ data: { callerId, voiceSampleUrl: file, voiceName: 'Test caller' } });
}

test('cancelling the clone activity aborts the HTTP request at once', async () => {
  await register('+4915100000001', 4);
  const env = new MockActivityEnvironment();
  const started = Date.now();
  const running = env.run(activities().cloneVoice, input('+4915100000001'));
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
  await expect(new MockActivityEnvironment().run(activities().cloneVoice, input('+4915100000002'))).rejects.toMatchObject({
    type: 'NoVoiceSampleError',
    nonRetryable: true,
  });
  expect(fx.sandbox.requests.length).toBe(before);
});

test('a sample that is too short is rejected before ElevenLabs sees it', async () => {
  await register('+4915100000003', 1);
  const before = fx.sandbox.requests.length;
  await expect(new MockActivityEnvironment().run(activities().cloneVoice, input('+4915100000003'))).rejects.toMatchObject({
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
  const result: { voiceId: string } = await env.run(activities().cloneVoice, input('+4915100000004'));
  expect(result.voiceId).toEqual(expect.any(String));
  expect(beats.length).toBeGreaterThanOrEqual(3);
});

describe('idempotent clone across attempts', () => {
  const info = { workflowExecution: { workflowId: 'clone-+4915100000005', runId: 'run-idempotent' }, activityId: '7' };

  test('every clone is labelled with a short clone_key that is the same for every attempt of one activity', () => {
    const key = cloneKey(info);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(cloneKey(info)).toBe(key);
    expect(cloneKey({ ...info, activityId: '8' })).not.toBe(key);
    expect(cloneKey({ ...info, workflowExecution: { ...info.workflowExecution, runId: 'run-2' } })).not.toBe(key);
  });

  test('a retry finds the voice an earlier attempt made (listed, not cloned again)', async () => {
    await register('+4915100000005', 4);
    fx.sandbox.configure({ cloneLatencyMs: 50 });
    const first: ClonedVoice = await new MockActivityEnvironment({ ...info, attempt: 1 }).run(activities().cloneVoice, input('+4915100000005'));
    const created = fx.sandbox.voices.get(first.voiceId);
    expect(created?.labels).toEqual({ source: 'voiceclone-precall', clone_key: cloneKey(info), sample_key: sampleKey(first.sampleRegistration) });

    const before = fx.sandbox.requests.length;
    const retry: ClonedVoice = await new MockActivityEnvironment({ ...info, attempt: 2 }).run(activities().cloneVoice, input('+4915100000005'));
    const sent = fx.sandbox.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/voices']);
    expect(retry).toMatchObject({ voiceId: first.voiceId, sampleSizeBytes: first.sampleSizeBytes });
    expect(retry.apiResponseTimeMs).toBeGreaterThanOrEqual(0);
  });

  test('a retry of another activity does not take that voice: it clones', async () => {
    await register('+4915100000006', 4);
    fx.sandbox.configure({ cloneLatencyMs: 50 });
    const other = { ...info, activityId: '99', attempt: 2 };
    const before = fx.sandbox.requests.length;
    const result: ClonedVoice = await new MockActivityEnvironment(other).run(activities().cloneVoice, input('+4915100000006'));
    const sent = fx.sandbox.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(sent[0]).toBe('GET /v1/voices');
    expect(sent).toContain('POST /v1/voices/add');
    expect(fx.sandbox.voices.get(result.voiceId)?.labels.clone_key).toBe(cloneKey(other));
  });

  test('a retry whose voice listing fails transiently still clones (a duplicate beats no voice)', async () => {
    await register('+4915100000007', 4);
    fx.sandbox.configure({ cloneLatencyMs: 50 });
    fx.sandbox.setFailure('voices.list', { kind: '500', times: 1 });
    const before = fx.sandbox.requests.length;
    const result: ClonedVoice = await new MockActivityEnvironment({ ...info, activityId: '100', attempt: 3 }).run(activities().cloneVoice, input('+4915100000007'));
    const sent = fx.sandbox.requests.slice(before);
    expect(sent.find((r) => r.endpoint === 'voices.list')?.status).toBe(500);
    expect(sent.filter((r) => r.endpoint === 'voices.add' && r.status === 200)).toHaveLength(1);
    expect(fx.sandbox.voices.has(result.voiceId)).toBe(true);
  });

  test('a retry whose voice listing is refused for a bad API key fails non-retryably without cloning', async () => {
    await register('+4915100000008', 4);
    fx.sandbox.setFailure('voices.list', { kind: 'invalid_api_key', times: 1 });
    const before = fx.sandbox.requests.length;
    await expect(
      new MockActivityEnvironment({ ...info, activityId: '101', attempt: 2 }).run(activities().cloneVoice, input('+4915100000008')),
    ).rejects.toMatchObject({ type: 'ElevenLabsAuthError', nonRetryable: true });
    expect(fx.sandbox.requests.slice(before).filter((r) => r.endpoint === 'voices.add')).toHaveLength(0);
  });
});

describe('consent (REQUIRE_CLONE_CONSENT)', () => {
  const consent = (callerId: string, withdrawnAt: Date | null = null) =>
    fx.db.prisma.voiceCloneConsent.create({ data: { callerId, givenAt: new Date(), method: 'written', recordedBy: 'test', withdrawnAt } });

  test('required and not on record → non-retryable NoCloneConsentError, nothing sent to ElevenLabs', async () => {
    await register('+4915100000011', 4);
    const before = fx.sandbox.requests.length;
    await expect(new MockActivityEnvironment().run(activities().cloneVoice, input('+4915100000011', true))).rejects.toMatchObject({
      type: 'NoCloneConsentError',
      nonRetryable: true,
    });
    expect(fx.sandbox.requests.length).toBe(before);
  });

  test('withdrawn consent is refused even where consent is not required', async () => {
    await register('+4915100000012', 4);
    await consent('+4915100000012', new Date());
    const before = fx.sandbox.requests.length;
    await expect(new MockActivityEnvironment().run(activities().cloneVoice, input('+4915100000012', false))).rejects.toMatchObject({
      type: 'NoCloneConsentError',
      nonRetryable: true,
    });
    expect(fx.sandbox.requests.length).toBe(before);
  });

  test('with consent on record the voice is cloned', async () => {
    await register('+4915100000013', 4);
    await consent('+4915100000013');
    fx.sandbox.configure({ cloneLatencyMs: 50 });
    const result: ClonedVoice = await new MockActivityEnvironment().run(activities().cloneVoice, input('+4915100000013', true));
    expect(fx.sandbox.voices.has(result.voiceId)).toBe(true);
  });

  test('a caller with neither sample nor consent is told there is no sample', async () => {
    await expect(new MockActivityEnvironment().run(activities().cloneVoice, input('+4915100000014', true))).rejects.toMatchObject({ type: 'NoVoiceSampleError' });
  });
});

test('a retry after the sample was replaced clones the new sample instead of taking the earlier attempt’s clone', async () => {
  const info = { workflowExecution: { workflowId: 'clone-+4915100000015', runId: 'run-replaced' }, activityId: '7' };
  await register('+4915100000015', 4);
  fx.sandbox.configure({ cloneLatencyMs: 50 });
  const first: ClonedVoice = await new MockActivityEnvironment({ ...info, attempt: 1 }).run(activities().cloneVoice, input('+4915100000015'));
  writeFileSync(path.join(fx.samplesDir, 'replacement.wav'), makeWav(5));
  await fx.db.prisma.callerVoiceMapping.update({ where: { callerId: '+4915100000015' }, data: { voiceSampleUrl: 'replacement.wav' } });

  const retry: ClonedVoice = await new MockActivityEnvironment({ ...info, attempt: 2 }).run(activities().cloneVoice, input('+4915100000015'));
  expect(retry.voiceId).not.toBe(first.voiceId);
  expect(retry.sampleRegistration.url).toBe('replacement.wav');
  expect(fx.sandbox.voices.get(retry.voiceId)?.samples[0]?.sizeBytes).toBe(makeWav(5).length);
});
