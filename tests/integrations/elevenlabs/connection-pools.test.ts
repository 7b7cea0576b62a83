import path from 'node:path';
import { ElevenLabsClient, type ElevenLabsClientOptions } from '../../../src/integrations/elevenlabs/client';
import { ElevenLabsAbortedError, ElevenLabsOutcomeUnknownError, ElevenLabsTimeoutError } from '../../../src/integrations/elevenlabs/errors';
import type { OutboundCallParams } from '../../../src/integrations/elevenlabs/outbound-call';
import { type ElevenLabsSandbox, startElevenLabsSandbox } from '../../../src/integrations/elevenlabs/sandbox';
import type { SandboxRequestRecord } from '../../../src/integrations/elevenlabs/sandbox/types';
import { spawnService } from '../../support/process';
import { expectRejection, makeWavSample } from './helpers';

/**
 * Connection pools and the two deadlines (queueTimeoutMs while waiting for a connection, timeoutMs
 * once on the wire), against the sandbox over real sockets. Every client here has ONE connection
 * per pool, so "queued behind" is certain rather than a matter of load. Assertions are on outcomes
 * and on the order the sandbox saw things; the slow requests are many times longer than the
 * deadlines they are compared with.
 */
describe('ElevenLabsClient connection pools and deadlines', () => {
  let sandbox: ElevenLabsSandbox;
  const clients: ElevenLabsClient[] = [];

  const newClient = (options: Partial<ElevenLabsClientOptions> = {}): ElevenLabsClient => {
    const client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: 'test-key', connections: 1, uploadConnections: 1, ...options });
    clients.push(client);
    return client;
  };

  const call = (userId: string, extra: Partial<OutboundCallParams> = {}): OutboundCallParams => ({
    telephony: 'twilio',
    agentId: 'agent_pool',
    agentPhoneNumberId: 'phnum_pool',
    toNumber: '+14155550123',
    dynamicVariables: {},
    userId,
    ...extra,
  });

  const userIdOf = (r: SandboxRequestRecord): unknown => (r.json as any)?.conversation_initiation_client_data?.user_id;
  const outboundCalls = (userId: string): SandboxRequestRecord[] => sandbox.requests.filter((r) => r.endpoint === 'outboundCall' && userIdOf(r) === userId);

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
    sandbox = await startElevenLabsSandbox({
      apiKey: 'test-key',
      apiLatencyMs: 1,
      outboundCallLatencyMs: 10,
      ringDurationMs: 60_000,
    });
  });
  afterEach(async () => {
    // Reset first: it answers or drops whatever a failed test left in flight, so close() need not wait for it.
    sandbox.reset();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    sandbox.configure({ apiLatencyMs: 1, outboundCallLatencyMs: 10, cloneLatencyMs: { min: 5_000, max: 30_000 } });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('a slow upload holds only the upload pool: outbound calls, conversation polls and voice lists still go through', async () => {
    // A shared pool of one connection would make everything below wait for the 20 s upload (and fail after queueTimeoutMs).
    const client = newClient({ queueTimeoutMs: 10_000 });
    const { conversationId } = await client.placeOutboundCall(call('before_upload'));

    sandbox.configure({ cloneLatencyMs: 20_000 });
    const cancelUpload = new AbortController();
    const upload = track(client.createVoiceClone({ name: 'slow upload', samples: [makeWavSample()], signal: cancelUpload.signal }));
    await sandbox.waitForRequest((r) => r.endpoint === 'voices.add' && r.bodyBytes > 0);

    const placed = await client.placeOutboundCall(call('during_upload'));
    const conversation = await client.getConversation(conversationId ?? '');
    const voices = await client.listVoices();

    expect(placed.success).toBe(true);
    expect(conversation.userId).toBe('before_upload');
    expect(voices.length).toBeGreaterThan(0);
    expect(upload.settled()).toBe(false);
    expect(sandbox.requests.find((r) => r.endpoint === 'voices.add')?.respondedAt).toBeUndefined();

    cancelUpload.abort();
    await expectRejection(upload.promise, ElevenLabsAbortedError);
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
    sandbox.configure({ outboundCallLatencyMs: 3_000 });
    const slowCall = track(client.placeOutboundCall(call('slow_call')));
    await sandbox.waitForRequest((r) => r.endpoint === 'outboundCall' && r.bodyBytes > 0);

    const queuedAt = performance.now();
    const subscription = await client.getSubscription({ timeoutMs: 300 });
    const waitedMs = performance.now() - queuedAt;

    expect(subscription.tier).toEqual(expect.any(String));
    const [outbound] = outboundCalls('slow_call');
    const sub = sandbox.requests.find((r) => r.endpoint === 'subscription');
    // It waited for the only connection, far longer than its own 300 ms deadline, and only then went out.
    expect(sub!.receivedAt).toBeGreaterThanOrEqual(outbound!.respondedAt!);
    expect(waitedMs).toBeGreaterThan(300);
    await slowCall.promise;
  });

  it('queueTimeoutMs: an outbound call that never got a connection is "not placed" (ElevenLabsTimeoutError) and never reaches the API', async () => {
    const client = newClient({ queueTimeoutMs: 300 });
    sandbox.configure({ outboundCallLatencyMs: 3_000 });
    const slowCall = track(client.placeOutboundCall(call('slow_call')));
    await sandbox.waitForRequest((r) => r.endpoint === 'outboundCall' && r.bodyBytes > 0);

    const error = await expectRejection(client.placeOutboundCall(call('queued_call')), ElevenLabsTimeoutError);
    // Given up while the slow call still held the connection, not once it freed up.
    expect(slowCall.settled()).toBe(false);
    expect(error).not.toBeInstanceOf(ElevenLabsOutcomeUnknownError);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('waited 300 ms for a connection');
    expect(error.message).not.toContain('timed out after');

    await slowCall.promise;
    // FIFO queue: once this later request is answered, the abandoned POST has left undici's queue.
    await client.getSubscription();
    expect(outboundCalls('queued_call')).toHaveLength(0);
    expect(outboundCalls('slow_call')).toHaveLength(1);
  });

  it('caller abort while queued: ElevenLabsAbortedError at once, and the POST is never sent', async () => {
    const client = newClient({ queueTimeoutMs: 20_000 });
    sandbox.configure({ outboundCallLatencyMs: 3_000 });
    const slowCall = track(client.placeOutboundCall(call('slow_call')));
    await sandbox.waitForRequest((r) => r.endpoint === 'outboundCall' && r.bodyBytes > 0);

    const controller = new AbortController();
    const queued = client.placeOutboundCall(call('aborted_in_queue', { signal: controller.signal }));
    controller.abort();
    const error = await expectRejection(queued, ElevenLabsAbortedError);
    expect(error).not.toBeInstanceOf(ElevenLabsOutcomeUnknownError);
    expect(slowCall.settled()).toBe(false);

    await slowCall.promise;
    await client.getSubscription();
    expect(outboundCalls('aborted_in_queue')).toHaveLength(0);
  });

  it('a request on the wire longer than timeoutMs still times out: outcome unknown for the call, a timeout for a GET', async () => {
    const client = newClient({ queueTimeoutMs: 20_000 });
    sandbox.setFailure('outboundCall', { kind: 'timeout', times: 1 });
    const unknown = await expectRejection(client.placeOutboundCall(call('held_call', { timeoutMs: 200 })), ElevenLabsOutcomeUnknownError);
    expect(unknown.reason).toBe('timeout');
    expect(unknown.message).toContain('timed out after 200 ms');
    expect(outboundCalls('held_call')).toHaveLength(1);

    sandbox.setFailure('subscription', { kind: 'timeout', times: 1 });
    const timeout = await expectRejection(client.getSubscription({ timeoutMs: 200 }), ElevenLabsTimeoutError);
    expect(timeout.message).toContain('timed out after 200 ms');
    expect(await sandbox.waitForRequest((r) => r.endpoint === 'subscription' && r.clientAborted === true)).toBeDefined();
  });

  it('healthCheck does not wait past its own deadline for a connection', async () => {
    const client = newClient({ queueTimeoutMs: 20_000 });
    sandbox.configure({ outboundCallLatencyMs: 3_000 });
    const slowCall = track(client.placeOutboundCall(call('slow_call')));
    await sandbox.waitForRequest((r) => r.endpoint === 'outboundCall' && r.bodyBytes > 0);

    const health = await client.healthCheck({ timeoutMs: 200 });
    expect(health.ok).toBe(false);
    expect(health.error).toContain('waited 200 ms for a connection');
    expect(slowCall.settled()).toBe(false);
    await slowCall.promise;
  });

  it('reports each request through onRequest with its own failure kind', async () => {
    const events: { endpoint: string; failure: string | null }[] = [];
    const client = newClient({ queueTimeoutMs: 300, onRequest: (e) => events.push({ endpoint: e.endpoint, failure: e.failure }) });
    sandbox.configure({ outboundCallLatencyMs: 3_000 });
    const slowCall = client.placeOutboundCall(call('slow_call'));
    await sandbox.waitForRequest((r) => r.endpoint === 'outboundCall' && r.bodyBytes > 0);
    await expectRejection(client.listVoices(), ElevenLabsTimeoutError);
    await slowCall;
    expect(events).toEqual([
      { endpoint: '/v1/voices', failure: 'timeout' },
      { endpoint: '/v1/convai/twilio/outbound-call', failure: null },
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
