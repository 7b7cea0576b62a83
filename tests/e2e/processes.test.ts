import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startElevenLabsSandbox, type ElevenLabsSandbox } from '../../simulators/elevenlabs';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { freePort, spawnService, type ServiceProcess } from '../support/process';
import { startTestTemporal } from '../support/temporal';
import { incomingCall, post3cx } from '../support/threecx';
import { TEST_3CX_SECRET } from '../support/stack';

// The real entry points as real processes: what a user runs.
jest.setTimeout(120_000);

const running: ServiceProcess[] = [];
function start(entry: string, env: Record<string, string>): ServiceProcess {
  const p = spawnService(entry, { LOG_LEVEL: 'info', THREECX_WEBHOOK_SECRET: TEST_3CX_SECRET, ...env });
  running.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

async function callStatus(apiUrl: string, workflowId: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${apiUrl}/calls/${workflowId}`);
    const body = (await res.json()) as any;
    if (body.status?.steps?.recorded) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`call ${workflowId} was never recorded`);
}

describe('production entry points: worker.ts and server.ts', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let sandbox: ElevenLabsSandbox;
  beforeAll(async () => {
    env = await startTestTemporal();
    db = await createTestDatabase();
    sandbox = await startElevenLabsSandbox({ callDurationMs: 200, outboundCallLatencyMs: 10 });
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.drop();
    await env?.teardown();
  });

  test('refuse to start without DATABASE_URL and TEMPORAL_ADDRESS, naming both', async () => {
    const worker = start('src/worker.ts', {});
    expect(await worker.exited()).toBe(1);
    expect(worker.output()).toMatch(/DATABASE_URL and TEMPORAL_ADDRESS and ELEVENLABS_API_KEY/);
  });

  test('a webhook through server.ts is handled by worker.ts, both migrating the database at start', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const common = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: `proc-${port}`,
      ELEVENLABS_API_KEY: sandbox.apiKey,
      ELEVENLABS_API_BASE: sandbox.url,
      ELEVENLABS_AGENT_ID: 'agent_proc',
      ELEVENLABS_PHONE_NUMBER_ID: 'phnum_proc',
      ELEVENLABS_WEBHOOK_SECRET: 'whsec_proc',
    };
    const worker = start('src/worker.ts', { ...common, WORKER_METRICS_BIND: `127.0.0.1:${metricsPort}` });
    const server = start('src/server.ts', { ...common, PORT: String(port), HOST: '127.0.0.1', WORKER_METRICS_BIND: '' });
    await Promise.all([worker.waitFor(/worker polling/), server.waitFor(/API listening/)]);
    const apiUrl = `http://127.0.0.1:${port}`;
    sandbox.configure({ webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall`, webhookSecret: 'whsec_proc' });
    const body = incomingCall();
    const res = await post3cx(apiUrl, body);
    expect(res.status).toBe(202);
    expect((await callStatus(apiUrl, res.json.workflow_id)).source).toBe('workflow');
    // The worker process really placed the greeting at the (sandboxed) ElevenLabs API.
    await sandbox.waitForRequest((r) => r.endpoint === 'outboundCall' && (r.json as any)?.conversation_initiation_client_data?.user_id === res.json.workflow_id, 10_000);
    // The worker exposes the Temporal SDK's worker metrics and ours for Prometheus.
    let metrics = '';
    for (let i = 0; i < 50 && !metrics.includes('activity_type="playGreeting"'); i++) {
      metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(metrics).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(metrics).toMatch(/^temporal_activity_\w+\{[^}]*activity_type="playGreeting"/m);
    // …and ours, recorded by activities through the SDK's meter, once the call is over.
    for (let i = 0; i < 100 && !metrics.includes('voiceclone_calls_total'); i++) {
      metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(metrics).toMatch(/^voiceclone_calls_total\{[^}]*status="completed"[^}]*voice_source="default"/m);
    expect(metrics).toMatch(/^voiceclone_fallbacks_total\{[^}]*reason="no_sample"/m);
    expect(metrics).toMatch(/^elevenlabs_request_duration_bucket\{[^}]*endpoint="\/v1\/convai\/sip-trunk\/outbound-call"[^}]*status="200"/m);
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});

describe('npm start (src/dev.ts)', () => {
  test('with nothing configured: embedded Temporal + PGlite, sample curl works, Ctrl-C stops, state survives a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-dev-'));
    try {
      const env = {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        EMBEDDED_TEMPORAL_PORT: String(await freePort()),
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
        WORKER_METRICS_BIND: '',
        LOG_LEVEL: 'warn',
      };
      const dev = start('src/dev.ts', env);
      await dev.waitFor(/Ctrl-C stops everything/, 90_000);
      const out = dev.output();
      const apiUrl = out.match(/API\s+(http:\S+)/)![1]!;
      expect(out).toContain(`Temporal UI    http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
      expect(out).toMatch(/embedded dev server/);
      expect(out).toMatch(/embedded PGlite/);
      // The printed curl is signed and valid: run its pieces.
      const curlBody = out.match(/-d '(\{.*\})'/)![1]!;
      const signature = out.match(/X-3CX-Signature: (sha256=[0-9a-f]{64})/)![1]!;
      const res = await fetch(`${apiUrl}/webhook/3cx`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-3cx-signature': signature }, body: curlBody });
      expect(res.status).toBe(202);
      const { workflow_id: workflowId } = (await res.json()) as { workflow_id: string };
      expect((await callStatus(apiUrl, workflowId)).source).toBe('workflow');
      expect(await dev.stop('SIGINT')).toBe(0);

      const again = start('src/dev.ts', env);
      await again.waitFor(/Ctrl-C stops everything/, 90_000);
      const status = await callStatus(apiUrl, workflowId);
      expect(status.status.callId).toBe(workflowId);
      expect(await again.stop('SIGINT')).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
