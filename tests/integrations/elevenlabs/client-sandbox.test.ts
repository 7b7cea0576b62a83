import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';
import { isElevenLabsError } from '../../../src/integrations/elevenlabs/errors';
import { type ElevenLabsSandbox, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { closedPort, expectElevenLabsError, makeWavSample } from './helpers';

describe('ElevenLabsClient against the sandbox: voices, subscription, errors', () => {
  let sandbox: ElevenLabsSandbox;
  let client: ElevenLabsClient;

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({
      apiKey: 'test-key',
      cloneLatencyMs: { min: 10, max: 30 },
      apiLatencyMs: { min: 1, max: 3 },
      voiceLimit: 3,
    });
    client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: 'test-key', requestTimeoutMs: 2_000 });
  });
  afterEach(() => {
    sandbox.reset();
    sandbox.configure({ voiceLimit: 3, cloneLatencyMs: { min: 10, max: 30 } });
  });
  afterAll(async () => {
    await client.close();
    await sandbox.close();
  });

  const clone = (name = 'Caller +4930123', signal?: AbortSignal) =>
    client.createVoiceClone({
      name,
      samples: [makeWavSample('a.wav'), makeWavSample('b.wav', 300)],
      description: 'pre-call clone',
      labels: { language: 'de', gender: 'male' },
      removeBackgroundNoise: true,
      signal,
    });

  it('listVoices returns premade and cloned voices with labels, description and creation time', async () => {
    const created = await clone('Listed caller');
    const voices = await client.listVoices();
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/voices', query: {}, endpoint: 'voices.list', status: 200 });
    expect(voices.find((v) => v.category === 'premade')).toMatchObject({ voiceId: '21m00Tcm4TlvDq8ikWAM', name: 'Rachel', samples: [] });
    const listed = voices.find((v) => v.voiceId === created.voiceId);
    expect(listed).toMatchObject({
      name: 'Listed caller',
      category: 'cloned',
      labels: { language: 'de', gender: 'male' },
      description: 'pre-call clone',
      createdAtUnix: expect.any(Number),
    });
    expect(listed?.samples.map((x) => x.sizeBytes)).toEqual([...sandbox.voices.get(created.voiceId)!.samples.map((x) => x.sizeBytes)]);
    expect(Math.abs(listed!.createdAtUnix! - Date.now() / 1000)).toBeLessThan(60);

    expect(sandbox.setVoiceCreatedAt(created.voiceId, 1_600_000_000)).toBe(true);
    expect((await client.listVoices({ showLegacy: false })).find((v) => v.voiceId === created.voiceId)?.createdAtUnix).toBe(1_600_000_000);
    expect(sandbox.requests.at(-1)?.query).toEqual({ show_legacy: 'false' });
  });

  it('listVoices errors are classified like the other methods', async () => {
    sandbox.setFailure('voices.list', { kind: '429', times: 1, retryAfter: '2' });
    const limited = await expectElevenLabsError(client.listVoices(), 'rateLimit');
    expect(limited.retryable).toBe(true);
    sandbox.setFailure('voices.list', { kind: '500', times: 1 });
    await expectElevenLabsError(client.listVoices(), 'server');
    sandbox.setFailure('voices.list', { kind: 'invalid_api_key', times: 1 });
    expect((await expectElevenLabsError(client.listVoices(), 'auth')).retryable).toBe(false);
    sandbox.setFailure('voices.list', { kind: 'timeout', times: 1 });
    await expectElevenLabsError(client.listVoices({ timeoutMs: 200 }), 'timeout');
    expect((await client.listVoices()).length).toBeGreaterThan(0);
  });

  it('creates, reads and deletes a voice clone; slots follow', async () => {
    const before = await client.getSubscription();
    expect(before).toMatchObject({ voiceSlotsUsed: 0, voiceLimit: 3, canUseInstantVoiceCloning: true });

    const created = await clone();
    expect(created.voiceId).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(created.requiresVerification).toBe(false);

    const record = sandbox.requests.find((r) => r.endpoint === 'voices.add');
    expect(record?.apiKeyValid).toBe(true);
    expect(record?.multipart?.fieldNames).toEqual(['name', 'files', 'files', 'description', 'labels', 'remove_background_noise']);
    expect(record?.multipart?.files.map((f) => [f.fileName, f.contentType])).toEqual([
      ['a.wav', 'audio/wav'],
      ['b.wav', 'audio/wav'],
    ]);
    expect(record?.multipart?.fields.labels).toEqual(['{"language":"de","gender":"male"}']);
    expect(record?.multipart?.fields.remove_background_noise).toEqual(['true']);

    const voice = await client.getVoice(created.voiceId);
    expect(voice).toMatchObject({
      voiceId: created.voiceId,
      name: 'Caller +4930123',
      category: 'cloned',
      description: 'pre-call clone',
      labels: { language: 'de', gender: 'male' },
      sampleCount: 2,
    });
    expect((await client.getSubscription()).voiceSlotsUsed).toBe(1);

    await client.deleteVoice(created.voiceId);
    expect((await client.getSubscription()).voiceSlotsUsed).toBe(0);
    const gone = await expectElevenLabsError(client.getVoice(created.voiceId), 'notFound');
    expect(gone).toMatchObject({ status: 404, code: 'voice_not_found', retryable: false });
    expect(gone.apiMessage).toBe(`A voice with the voice_id ${created.voiceId} was not found.`);
  });

  it('deleting an unknown voice is a non-retryable 404 voice_not_found', async () => {
    const error = await expectElevenLabsError(client.deleteVoice('doesNotExist'), 'notFound');
    expect(error.code).toBe('voice_not_found');
  });

  it('rejects a wrong API key with 401 invalid_api_key', async () => {
    const wrong = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: 'nope' });
    try {
      const error = await expectElevenLabsError(wrong.getSubscription(), 'auth');
      expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', retryable: false });
    } finally {
      await wrong.close();
    }
  });

  it('enforces the voice-slot limit with 400 voice_limit_reached, and delete frees a slot', async () => {
    sandbox.configure({ voiceLimit: 2 });
    const a = await clone('a');
    await clone('b');
    const error = await expectElevenLabsError(clone('c'), 'voiceLimitReached');
    expect(error).toMatchObject({ status: 400, code: 'voice_limit_reached', retryable: false });
    expect(error.apiMessage).toContain('(2 / 2)');
    await client.deleteVoice(a.voiceId);
    await expect(clone('c')).resolves.toHaveProperty('voiceId');
  });

  it('counts in-flight clones against the slot limit', async () => {
    sandbox.configure({ voiceLimit: 1, cloneLatencyMs: 80 });
    const results = await Promise.allSettled([clone('x'), clone('y')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(isElevenLabsError(rejected?.reason, 'voiceLimitReached')).toBe(true);
  });

  it('injected 429 with times=2 fails twice with Retry-After, then recovers', async () => {
    sandbox.setFailure('voices.add', { kind: '429', times: 2, retryAfter: '2' });
    for (let i = 0; i < 2; i++) {
      const error = await expectElevenLabsError(clone(), 'rateLimit');
      expect(error).toMatchObject({ status: 429, code: 'too_many_concurrent_requests', retryable: true, retryAfterMs: 2000 });
    }
    await expect(clone()).resolves.toHaveProperty('voiceId');
    expect(sandbox.requests.filter((r) => r.endpoint === 'voices.add').map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('injected system_busy carries an HTTP-date Retry-After', async () => {
    const inFiveSeconds = new Date(Date.now() + 5_000).toUTCString();
    sandbox.setFailure('subscription', { kind: 'system_busy', times: 1, retryAfter: inFiveSeconds });
    const error = await expectElevenLabsError(client.getSubscription(), 'rateLimit');
    expect(error.code).toBe('system_busy');
    expect(error.retryAfterMs).toBeGreaterThan(3_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(5_000);
  });

  it('injected 500 is a retryable server error', async () => {
    sandbox.setFailure('voices.get', { kind: '500', times: 1 });
    const error = await expectElevenLabsError(client.getVoice('21m00Tcm4TlvDq8ikWAM'), 'server');
    expect(error).toMatchObject({ status: 500, code: 'something_went_wrong', retryable: true });
    await expect(client.getVoice('21m00Tcm4TlvDq8ikWAM')).resolves.toMatchObject({ category: 'premade' });
  });

  it('injected quota_exceeded, invalid_api_key and voice_limit_reached map to non-retryable errors', async () => {
    sandbox.setFailure('voices.add', { kind: 'quota_exceeded', times: 1 });
    expect(await expectElevenLabsError(clone(), 'quotaExceeded')).toMatchObject({ status: 401, code: 'quota_exceeded', retryable: false });
    sandbox.setFailure('voices.add', { kind: 'invalid_api_key', times: 1 });
    await expectElevenLabsError(clone(), 'auth');
    sandbox.setFailure('voices.add', { kind: 'voice_limit_reached', times: 1 });
    await expectElevenLabsError(clone(), 'voiceLimitReached');
    await expect(clone()).resolves.toHaveProperty('voiceId');
  });

  it('a per-request timeout gives a retryable timeout error and the sandbox sees the client leave', async () => {
    sandbox.setFailure('subscription', { kind: 'timeout', times: 1 });
    const started = Date.now();
    const error = await expectElevenLabsError(client.getSubscription({ timeoutMs: 150 }), 'timeout');
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    const record = await sandbox.waitForRequest((r) => r.endpoint === 'subscription' && r.clientAborted === true);
    expect(record.status).toBeUndefined();
  });

  it('an AbortSignal cancels an in-flight clone quickly, and no voice is created', async () => {
    sandbox.configure({ cloneLatencyMs: 10_000 });
    const controller = new AbortController();
    const pending = clone('to be cancelled', controller.signal);
    await sandbox.waitForRequest((r) => r.endpoint === 'voices.add' && r.bodyBytes > 0);
    const abortedAt = performance.timeOrigin + performance.now();
    controller.abort();
    const error = await expectElevenLabsError(pending, 'aborted');
    expect(error.retryable).toBe(false);
    const record = await sandbox.waitForRequest((r) => r.endpoint === 'voices.add' && r.clientAborted === true);
    expect((record.closedAt ?? Infinity) - abortedAt).toBeLessThan(500);
    expect([...sandbox.voices.values()].filter((v) => v.category === 'cloned')).toHaveLength(0);
    expect((await client.getSubscription()).voiceSlotsUsed).toBe(0);
  });

  it('an already-aborted signal never reaches the API', async () => {
    const error = await expectElevenLabsError(client.getSubscription({ signal: AbortSignal.abort() }), 'aborted');
    expect(error.name).toBe('ElevenLabsAbortedError');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('connection refused is a retryable network error', async () => {
    const dead = new ElevenLabsClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: 'k' });
    try {
      const error = await expectElevenLabsError(dead.getSubscription(), 'network');
      expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
    } finally {
      await dead.close();
    }
  });

  it('refuses to build an invalid clone request', async () => {
    await expectElevenLabsError(client.createVoiceClone({ name: 'x', samples: [] }), 'validation');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('healthCheck reports ok, auth failures and unreachable hosts without throwing', async () => {
    const healthy = await client.healthCheck();
    expect(healthy.ok).toBe(true);
    expect(healthy.latencyMs).toBeGreaterThan(0);
    expect(sandbox.requests.at(-1)?.path).toBe('/v1/user/subscription');

    const wrong = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: 'nope' });
    const dead = new ElevenLabsClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: 'k' });
    try {
      expect(await wrong.healthCheck()).toMatchObject({ ok: false, status: 401 });
      expect((await wrong.healthCheck()).error).toContain('invalid_api_key');
      const down = await dead.healthCheck();
      expect(down.ok).toBe(false);
      expect(down.error).toContain('ECONNREFUSED');
      sandbox.setFailure('subscription', { kind: 'timeout', times: 1 });
      const slow = await client.healthCheck({ timeoutMs: 100 });
      expect(slow).toMatchObject({ ok: false });
      expect(slow.error).toContain('timeout');
    } finally {
      await wrong.close();
      await dead.close();
    }
  });

  it('reuses keep-alive connections', async () => {
    for (let i = 0; i < 10; i++) await client.getSubscription();
    expect(sandbox.requests).toHaveLength(10);
    // undici may alternate between two idle sockets, but never opens one per request.
    const remotePorts = new Set(sandbox.requests.map((r) => r.remotePort));
    expect(remotePorts.size).toBeLessThanOrEqual(2);
  });
});
