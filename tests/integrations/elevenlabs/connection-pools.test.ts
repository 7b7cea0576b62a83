import path from 'node:path';
import { ElevenLabsClient, type ElevenLabsClientOptions } from '../../../src/integrations/elevenlabs/client';
import { type ElevenLabsSandbox, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import type { SandboxRequestRecord } from '../../../simulators/elevenlabs/types';
import { spawnService } from '../../support/process';
import { expectElevenLabsError, makeWavSample } from './helpers';

/**
 * Connection pools and the two deadlines (queueTimeoutMs while waiting for a connection, timeoutMs
 * once on the wire), against the sandbox over real sockets. Every client here has ONE connection
 * per pool, so "queued behind" is certain rather than a matter of load. Slow speech synthesis holds
 * the general pool's connection. Assertions are on outcomes and on the order the sandbox saw
 * things; the slow requests are many times longer than the deadlines they are compared with.
 */
describe('ElevenLabsClient connection pools and deadlines', () => {
  let sandbox: ElevenLabsSandbox;
  const clients: ElevenLabsClient[] = [];
  /** Rachel, a premade voice in ElevenLabs and in the sandbox. */
  const voiceId = '21m00Tcm4TlvDq8ikWAM';

  const newClient = (options: Partial<ElevenLabsClientOptions> = {}): ElevenLabsClient => {
    const client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: 'test-key', connections: 1, uploadConnections: 1, ...options });
    clients.push(client);
    return client;
  };

  const speak = (client: ElevenLabsClient, text: string, extra: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
    client.textToSpeech({ voiceId, text, ...extra });
  const ttsRequests = (text: string): SandboxRequestRecord[] =>
    sandbox.requests.filter((r) => r.endpoint === 'tts' && (r.json as { text?: string } | undefined)?.text === text);
  const slowSpeechOnTheWire = async (client: ElevenLabsClient) => {
    sandbox.configure({ ttsLatencyMs: 3_000 });
    const slow = track(speak(client, 'slow'));
    await sandbox.waitForRequest((r) => r.endpoint === 'tts' && r.bodyBytes > 0);
    return slow;
  };

  /** The promise plus whether it has settled yet, to assert on ordering without clocks. */
  function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
    let settled = false;
    const markSettled = (): void => {
      settled = true;
    };
    void promise.then(markSettled, markSettled);
    return { promise, settled: () => settled };
  }

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({ apiKey: 'test-key', apiLatencyMs: 1, ttsLatencyMs: 10 });
  });
  afterEach(async () => {
    // Reset first: it answers or drops whatever a failed test left in flight, so close() need not wait for it.
    sandbox.reset();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    sandbox.configure({ apiLatencyMs: 1, ttsLatencyMs: 10, cloneLatencyMs: { min: 5_000, max: 30_000 } });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('a slow upload holds only the upload pool: speech, conversation lists and voice lists still go through', async () => {
    // A shared pool of one connection would make everything below wait for the 20 s upload (and fail after queueTimeoutMs).
    const client = newClient({ queueTimeoutMs: 10_000 });
    sandbox.configure({ cloneLatencyMs: 20_000 });
    const cancelUpload = new AbortController();
    const upload = track(client.createVoiceClone({ name: 'slow upload', samples: [makeWavSample()], signal: cancelUpload.signal }));
    await sandbox.waitForRequest((r) => r.endpoint === 'voices.add' && r.bodyBytes > 0);

    const audio = await speak(client, 'during the upload');
    const conversations = await client.listConversations();
    const voices = await client.listVoices();

    expect(audio.length).toBeGreaterThan(0);
    expect(conversations.conversations).toEqual([]);
    expect(voices.length).toBeGreaterThan(0);
    expect(upload.settled()).toBe(false);
    expect(sandbox.requests.find((r) => r.endpoint === 'voices.add')?.respondedAt).toBeUndefined();

    cancelUpload.abort();
    await expectElevenLabsError(upload.promise, 'aborted');
  });

  it('uploads queue on their own pool, behind each other', async () => {
    const client = newClient({ queueTimeoutMs: 10_000 });
    sandbox.configure({ cloneLatencyMs: 300 });
    const [first, second] = await Promise.all([
      client.createVoiceClone({ name: 'first', samples: [makeWavSample()] }),
      client.createVoiceClone({ name: 'second', samples: [makeWavSample()] }),
    ]);
    expect(first.voiceId).not.toBe(second.voiceId);
    const [a, b] = sandbox.requests.filter((r) => r.endpoint === 'voices.add');
    // One upload connection: the second upload reached the server only after the first was answered, on the same socket.
    expect(b!.receivedAt).toBeGreaterThanOrEqual(a!.respondedAt!);
    expect(b!.remotePort).toBe(a!.remotePort);
  });

  it('timeoutMs starts on the wire: a request queued longer than its timeoutMs (but within queueTimeoutMs) succeeds', async () => {
    const client = newClient({ queueTimeoutMs: 20_000 });
    const slow = await slowSpeechOnTheWire(client);

    const queuedAt = performance.now();
    const subscription = await client.getSubscription({ timeoutMs: 300 });
    const waitedMs = performance.now() - queuedAt;

    expect(subscription.tier).toEqual(expect.any(String));
    const [tts] = ttsRequests('slow');
    const sub = sandbox.requests.find((r) => r.endpoint === 'subscription');
    // It waited for the only connection, far longer than its own 300 ms deadline, and only then went out.
    expect(sub!.receivedAt).toBeGreaterThanOrEqual(tts!.respondedAt!);
    expect(waitedMs).toBeGreaterThan(300);
    await slow.promise;
  });

  it('queueTimeoutMs: a request that never got a connection is a retryable timeout and never reaches the API', async () => {
    const client = newClient({ queueTimeoutMs: 300 });
    const slow = await slowSpeechOnTheWire(client);

    const error = await expectElevenLabsError(speak(client, 'queued'), 'timeout');
    // Given up while the slow request still held the connection, not once it freed up.
    expect(slow.settled()).toBe(false);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('waited 300 ms for a connection');
    expect(error.message).not.toContain('timed out after');

    await slow.promise;
    // FIFO queue: once this later request is answered, the abandoned POST has left undici's queue.
    await client.getSubscription();
    expect(ttsRequests('queued')).toHaveLength(0);
    expect(ttsRequests('slow')).toHaveLength(1);
  });

  it('caller abort while queued: aborted at once, and the request is never sent', async () => {
    const client = newClient({ queueTimeoutMs: 20_000 });
    const slow = await slowSpeechOnTheWire(client);

    const controller = new AbortController();
    const queued = speak(client, 'aborted in the queue', { signal: controller.signal });
    controller.abort();
    const error = await expectElevenLabsError(queued, 'aborted');
    expect(error.retryable).toBe(false);
    expect(slow.settled()).toBe(false);

    await slow.promise;
    await client.getSubscription();
    expect(ttsRequests('aborted in the queue')).toHaveLength(0);
  });

  it('a request on the wire longer than timeoutMs times out, and the sandbox sees the client leave', async () => {
    const client = newClient({ queueTimeoutMs: 20_000 });
    sandbox.setFailure('tts', { kind: 'timeout', times: 1 });
    const held = await expectElevenLabsError(speak(client, 'held', { timeoutMs: 200 }), 'timeout');
    expect(held.message).toContain('timed out after 200 ms');
    expect(ttsRequests('held')).toHaveLength(1);

    sandbox.setFailure('subscription', { kind: 'timeout', times: 1 });
    const timeout = await expectElevenLabsError(client.getSubscription({ timeoutMs: 200 }), 'timeout');
    expect(timeout.message).toContain('timed out after 200 ms');
    expect(await sandbox.waitForRequest((r) => r.endpoint === 'subscription' && r.clientAborted === true)).toBeDefined();
  });

  it('healthCheck does not wait past its own deadline for a connection', async () => {
    const client = newClient({ queueTimeoutMs: 20_000 });
    const slow = await slowSpeechOnTheWire(client);

    const health = await client.healthCheck({ timeoutMs: 200 });
    expect(health.ok).toBe(false);
    expect(health.error).toContain('waited 200 ms for a connection');
    expect(slow.settled()).toBe(false);
    await slow.promise;
  });

  it('reports each request through onRequest with its own failure kind and a bounded endpoint label', async () => {
    const events: { endpoint: string; failure: string | null }[] = [];
    const client = newClient({ queueTimeoutMs: 300, onRequest: (e) => events.push({ endpoint: e.endpoint, failure: e.failure }) });
    const slow = await slowSpeechOnTheWire(client);
    await expectElevenLabsError(client.listVoices(), 'timeout');
    await slow.promise;
    expect(events).toEqual([
      { endpoint: '/v1/voices', failure: 'timeout' },
      { endpoint: '/v1/text-to-speech/{voice_id}', failure: null },
    ]);
  });
});

/** Runs one of the fixtures/ scripts as its own process; it must exit by itself within 45 s. */
async function runFixture(name: string): Promise<{ exitCode: number | 'still running'; output: string }> {
  const child = spawnService(path.join('tests', 'integrations', 'elevenlabs', 'fixtures', name), {});
  const limit = new Promise<'still running'>((resolve) => {
    const timer = setTimeout(() => resolve('still running'), 45_000);
    void child.exited().then(() => clearTimeout(timer));
  });
  const exitCode = await Promise.race([child.exited(), limit]);
  if (exitCode === 'still running') await child.stop('SIGKILL');
  return { exitCode: exitCode ?? -1, output: child.output() };
}

describe('HttpTransport timers', () => {
  it('leaves no timer behind in any outcome: a process that used it exits by itself', async () => {
    // Each outcome runs with the deadline that must not fire set to an hour; a timer left armed keeps the child alive.
    const { exitCode, output } = await runFixture('transport-timers.ts');
    expect({ exitCode, output }).toEqual({ exitCode: 0, output: expect.stringContaining('RESULT') as string });
    const result = JSON.parse(/RESULT (.*)/.exec(output)![1]!);
    expect(result).toEqual({
      success: 'ok 200',
      wireTimeout: 'timeout started=true',
      wireAbort: 'aborted started=true',
      queueTimeout: 'timeout started=false',
      queueAbort: 'aborted started=false',
      afterQueue: 'ok 200',
      network: 'network started=false',
    });
  }, 60_000);
});

describe('sandbox under concurrency', () => {
  it('serves more than 10 concurrent requests without a MaxListenersExceededWarning', async () => {
    // Its own process: Node prints the warning to stderr, where jest cannot observe it.
    const { exitCode, output } = await runFixture('sandbox-concurrency.ts');
    expect(exitCode).toBe(0);
    expect(output).toMatch(/RESULT 30 responses over \d+ connections/);
    const connections = Number(/over (\d+) connections/.exec(output)![1]);
    expect(connections).toBeGreaterThan(10);
    expect(output).not.toContain('MaxListenersExceededWarning');
  }, 60_000);
});
