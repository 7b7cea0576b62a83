import type { Server } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { createStorage } from '../../src/bootstrap';
import { createPrismaClient } from '../../src/db/prisma';
import { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { signElevenLabsPayload } from '../../src/integrations/elevenlabs/webhook-signature';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics/registry';
import { eventually } from '../support/live-call';
import { startTestStack, TEST_ELEVENLABS_WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { incomingCall, post3cx } from '../support/threecx';

jest.setTimeout(30_000);

let stack: TestStack;
const closers: (() => Promise<void>)[] = [];
// Closed first: clients still waiting on a black hole only let go once it drops them.
const holes: (() => Promise<void>)[] = [];

beforeAll(async () => {
  stack = await startTestStack({ gateway: false });
  // Only the webhooks this file posts reach the API, so their counts are exact.
  stack.sandbox.configure({ webhookUrl: 'http://127.0.0.1:9/nowhere' });
});
afterAll(async () => {
  for (const close of [...holes, ...closers.reverse()]) await close();
  await stack?.stop();
});

/** Accepts TCP connections and never answers: a hung dependency, not a refused one. */
async function blackHole(): Promise<{ port: number; url: string }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  holes.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port, url: `http://127.0.0.1:${port}` };
}

async function serve(app: Express): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The stack's dependencies, for apps built next to the stack's own. */
function stackDeps() {
  return { config: stack.config, temporal: stack.env.client, prisma: stack.db.prisma, log: createLogger('silent'), storage: createStorage(stack.config), elevenlabs: stack.elevenlabs };
}

async function getHealth(url: string) {
  const started = Date.now();
  const res = await fetch(`${url}/health`);
  return { status: res.status, elapsedMs: Date.now() - started, json: (await res.json()) as any };
}

/** Value of the first sample of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function postElevenLabs(url: string, payload: unknown, secret = TEST_ELEVENLABS_WEBHOOK_SECRET): Promise<number> {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${url}/webhook/elevenlabs/postcall`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'elevenlabs-signature': signElevenLabsPayload(raw, secret, Math.floor(Date.now() / 1000)) },
    body: raw,
  });
  return res.status;
}

describe('GET /health', () => {
  test('ok with PostgreSQL, Temporal and the ElevenLabs sandbox up', async () => {
    const health = await getHealth(stack.apiUrl);
    expect(health.status).toBe(200);
    expect(health.json).toEqual({
      status: 'ok',
      checks: {
        database: { status: 'ok', latency_ms: expect.any(Number) },
        temporal: { status: 'ok', latency_ms: expect.any(Number) },
        elevenlabs: { status: 'ok', latency_ms: expect.any(Number) },
      },
      version: '0.1.0',
      uptime_s: expect.any(Number),
    });
  });

  test('ElevenLabs not answering → degraded (200) within 1 s', async () => {
    const hole = await blackHole();
    const elevenlabs = new ElevenLabsClient({ baseUrl: hole.url, apiKey: 'sk_test' });
    closers.push(() => elevenlabs.close());
    const url = await serve(createApp({ ...stackDeps(), elevenlabs }));
    const health = await getHealth(url);
    expect(health.elapsedMs).toBeLessThan(1000);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({
      status: 'degraded',
      checks: { database: { status: 'ok' }, temporal: { status: 'ok' }, elevenlabs: { status: 'error', error: expect.stringContaining('timeout') } },
    });
  });

  test('PostgreSQL not answering → error (503) within 1 s', async () => {
    const hole = await blackHole();
    const prisma = createPrismaClient(`postgresql://voiceclone:s3cret@127.0.0.1:${hole.port}/voiceclone`, 1);
    closers.push(() => prisma.$disconnect());
    const url = await serve(createApp({ ...stackDeps(), prisma }));
    const health = await getHealth(url);
    expect(health.elapsedMs).toBeLessThan(1000);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({
      status: 'error',
      checks: { database: { status: 'error', error: 'no answer within 800 ms' }, temporal: { status: 'ok' }, elevenlabs: { status: 'ok' } },
    });
  });

  test('Temporal not answering → error (503) within 1 s', async () => {
    const hole = await blackHole();
    const connection = Connection.lazy({ address: `127.0.0.1:${hole.port}` });
    closers.push(() => connection.close());
    const url = await serve(createApp({ ...stackDeps(), temporal: new Client({ connection }) }));
    const health = await getHealth(url);
    expect(health.elapsedMs).toBeLessThan(1000);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'error', checks: { database: { status: 'ok' }, temporal: { status: 'error' } } });
  });
});

describe('GET /metrics', () => {
  test('request durations by route pattern, webhook outcomes, process metrics, and no raw ids', async () => {
    const call = incomingCall();
    const accepted = await post3cx(stack.apiUrl, call);
    expect(accepted.status).toBe(202);
    const workflowId = accepted.json.workflow_id as string;
    expect((await post3cx(stack.apiUrl, call)).json.duplicate).toBe(true);
    expect((await post3cx(stack.apiUrl, incomingCall(), { path: '/webhook/3cx-call' })).status).toBe(202);
    expect((await post3cx(stack.apiUrl, incomingCall(), { sign: false })).status).toBe(401);
    expect((await post3cx(stack.apiUrl, null, { raw: '{"event_type":' })).status).toBe(400);
    expect((await post3cx(stack.apiUrl, incomingCall({ call_id: undefined }))).status).toBe(400);

    expect(await postElevenLabs(stack.apiUrl, { type: 'voice_removal_notice', event_timestamp: 1, data: {} })).toBe(200);
    expect(await postElevenLabs(stack.apiUrl, { type: 'voice_removal_notice', event_timestamp: 1, data: {} }, 'wrong')).toBe(401);
    expect(await postElevenLabs(stack.apiUrl, { type: 'post_call_transcription', event_timestamp: 1, data: { conversation_id: 42 } })).toBe(400);

    expect((await fetch(`${stack.apiUrl}/calls/${encodeURIComponent(workflowId)}`)).status).toBe(200);
    expect((await fetch(`${stack.apiUrl}/calls/call-acme.3cx.eu-987654321987`)).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/no/such/thing-123456789`)).status).toBe(404);

    const res = await fetch(`${stack.apiUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();

    const webhooks = (source: string, outcome: string) => sample(text, 'webhook_events_total', { source, outcome });
    expect(webhooks('3cx', 'accepted')).toBe(2);
    expect(webhooks('3cx', 'duplicate')).toBe(1);
    expect(webhooks('3cx', 'rejected_signature')).toBe(1);
    expect(webhooks('3cx', 'rejected_validation')).toBe(2);
    expect(webhooks('elevenlabs', 'ignored')).toBe(1);
    expect(webhooks('elevenlabs', 'rejected_signature')).toBe(1);
    expect(webhooks('elevenlabs', 'rejected_validation')).toBe(1);

    const requests = (labels: Record<string, string>) => sample(text, 'http_request_duration_seconds_count', labels);
    expect(requests({ method: 'POST', route: '/webhook/3cx', status_code: '202' })).toBe(2);
    expect(requests({ method: 'POST', route: '/webhook/3cx-call', status_code: '202' })).toBe(1);
    expect(requests({ method: 'POST', route: '/webhook/elevenlabs/postcall', status_code: '401' })).toBe(1);
    expect(requests({ method: 'GET', route: '/calls/:callId', status_code: '200' })).toBe(1);
    expect(requests({ method: 'GET', route: '/calls/:callId', status_code: '404' })).toBe(1);
    expect(requests({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_bucket', { route: '/calls/:callId', status_code: '200', le: '+Inf' })).toBe(1);

    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    for (const raw of [workflowId, '987654321987', '123456789', String(call.call_id)]) expect(text).not.toContain(raw);
  });

  test('every app has its own registry', async () => {
    const url = await serve(createApp(stackDeps()));
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(sample(text, 'webhook_events_total')).toBeUndefined();
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/webhook/3cx' })).toBeUndefined();
  });
});

describe('request log', () => {
  test('one JSON line per request with route, status, duration and the call it concerns; no phone numbers', async () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, { write: (chunk: string) => void lines.push(chunk) });
    const url = await serve(createApp({ ...stackDeps(), log }));
    const entries = () => lines.map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e.route !== undefined);

    const accepted = await post3cx(url, incomingCall({ caller_id: '+4915198765432' }));
    const workflowId = accepted.json.workflow_id as string;
    await fetch(`${url}/calls/${encodeURIComponent(workflowId)}`, { headers: { 'x-request-id': 'probe-42' } });
    await post3cx(url, incomingCall(), { sign: false });
    await fetch(`${url}/health`);

    await eventually(entries, (e) => e.length >= 3);
    expect(entries()).toEqual([
      expect.objectContaining({ level: 30, method: 'POST', route: '/webhook/3cx', status: 202, workflowId, durationMs: expect.any(Number), reqId: expect.any(String) }),
      expect.objectContaining({ level: 30, method: 'GET', route: '/calls/:callId', status: 200, workflowId, reqId: 'probe-42', msg: 'GET /calls/:callId 200' }),
      expect.objectContaining({ level: 40, method: 'POST', route: '/webhook/3cx', status: 401, errorCode: 'invalid_signature' }),
    ]);
    expect(lines.join('')).not.toContain('98765432');
  });
});

describe('ElevenLabs client metrics', () => {
  test('requests counted by endpoint pattern and failure reason', async () => {
    const metrics = createMetrics({ defaultMetrics: false, labels: { process: 'api' } });
    const client = new ElevenLabsClient({ baseUrl: stack.sandbox.url, apiKey: stack.sandbox.apiKey, onRequest: metrics.elevenlabs.observe });
    const hole = await blackHole();
    const dead = new ElevenLabsClient({ baseUrl: hole.url, apiKey: 'sk_test', onRequest: metrics.elevenlabs.observe });
    closers.push(() => client.close(), () => dead.close());

    await client.getSubscription();
    await expect(client.getVoice('voice_missing_4711')).rejects.toThrow();
    expect((await dead.healthCheck({ timeoutMs: 100 })).ok).toBe(false);

    const text = await metrics.registry.metrics();
    expect(sample(text, 'elevenlabs_request_duration_seconds_count', { method: 'GET', endpoint: '/v1/user/subscription', status: '200', process: 'api' })).toBe(1);
    expect(sample(text, 'elevenlabs_request_duration_seconds_count', { endpoint: '/v1/voices/{voice_id}', status: '404' })).toBe(1);
    expect(sample(text, 'elevenlabs_request_errors_total', { endpoint: '/v1/voices/{voice_id}', reason: 'client_error' })).toBe(1);
    expect(sample(text, 'elevenlabs_request_errors_total', { endpoint: '/v1/user/subscription', reason: 'timeout' })).toBe(1);
    expect(text).not.toContain('voice_missing_4711');
  });
});
