import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HEALTH_CACHE_MS } from '../../src/api/routes/health';
import { createPrismaClient } from '../../src/db/prisma';
import { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { startElevenLabsSandbox, type ElevenLabsSandbox } from '../../simulators/elevenlabs';
import { postThreeCx, serveApi, type ApiApp } from '../support/api-app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { freePort } from '../support/process';
import { startTestTemporal } from '../support/temporal';

// GET /health is public. A flood of it must not become a flood on PostgreSQL, Temporal and
// ElevenLabs, must not starve the webhooks, and must not tell strangers our internals.
jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let sandbox: ElevenLabsSandbox;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  env = await startTestTemporal();
  db = await createTestDatabase();
  sandbox = await startElevenLabsSandbox({ apiLatencyMs: 50 });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await sandbox?.close();
  await db?.drop();
  await env?.teardown();
});

async function app(options: { apiKey?: string; databaseUrl?: string } = {}): Promise<ApiApp> {
  const elevenlabs = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: options.apiKey ?? sandbox.apiKey });
  const prisma = options.databaseUrl ? createPrismaClient(options.databaseUrl, 1) : db.prisma;
  const api = await serveApi({ temporal: env.client, prisma, databaseUrl: db.url, elevenlabs });
  closers.push(async () => {
    await api.close();
    await elevenlabs.close();
    if (prisma !== db.prisma) await prisma.$disconnect();
  });
  return api;
}

async function getHealth(api: ApiApp): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${api.url}/health`);
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

const healthProbes = () => sandbox.requests.filter((r) => r.path === '/v1/user/subscription').length;

test('200 concurrent GET /health: one ElevenLabs probe per cache period, and webhooks still answer 202', async () => {
  const api = await app();
  const before = healthProbes();
  const started = Date.now();
  const [health, webhooks] = await Promise.all([
    Promise.all(Array.from({ length: 200 }, () => getHealth(api))),
    Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postThreeCx(api, {
          event_type: 'IncomingCall',
          call_id: `flood-${randomBytes(3).toString('hex')}-${i}`,
          caller_id: '+4915112345678',
          called_number: '+4930123456',
          timestamp: new Date().toISOString(),
          pbx: 'acme.3cx.eu',
        }),
      ),
    ),
  ]);
  expect(Date.now() - started).toBeLessThan(HEALTH_CACHE_MS);
  expect(new Set(health.map((h) => `${h.status} ${h.json.status}`))).toEqual(new Set(['200 ok']));
  expect(webhooks.map((w) => w.status)).toEqual(Array(20).fill(202));
  expect(healthProbes() - before).toBe(1);

  // The next period probes again, once (the server's period began when its probe did, a little after `started`).
  await new Promise((r) => setTimeout(r, HEALTH_CACHE_MS - (Date.now() - started) + 1500));
  await Promise.all(Array.from({ length: 50 }, () => getHealth(api)));
  expect(healthProbes() - before).toBe(2);
});

test('a failing dependency is named with a generic reason, never its own error text', async () => {
  const unusedPort = await freePort();
  const api = await app({ apiKey: 'sk_wrong_key', databaseUrl: `postgresql://voiceclone:s3cret@127.0.0.1:${unusedPort}/voiceclone` });
  const started = Date.now();
  const health = await getHealth(api);
  expect(Date.now() - started).toBeLessThan(1000);
  expect(health.status).toBe(503);
  expect(health.json).toMatchObject({
    status: 'error',
    checks: {
      database: { status: 'error', error: 'unavailable' },
      temporal: { status: 'ok' },
      elevenlabs: { status: 'error', error: 'unavailable' },
    },
  });
  expect(health.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|5432|\d{4,5}\/|invalid_api_key|ElevenLabs\w*Error|prisma|s3cret|voiceclone:/i);
});
