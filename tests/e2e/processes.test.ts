import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startElevenLabsSandbox, type ElevenLabsSandbox } from '../../simulators/elevenlabs';
import { startThreeCxSimulator, type ThreeCxSimulator } from '../../simulators/threecx';
import { callWorkflowId } from '../../src/contracts/call';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { describeHeard, eventually, firstHeard, uniqueCaller } from '../support/live-call';
import { freePort, spawnService, type ServiceProcess } from '../support/process';
import { SHORT_GREETING, TEST_3CX_SECRET } from '../support/stack';
import { startTestTemporal } from '../support/temporal';

/** DEFAULT_VOICE_ID, distinct from the greeting's so the caller's ear tells the agent apart. */
const AGENT_VOICE = 'DefaultVoiceProcess1';

// The real entry points as real processes, as a user runs them: worker, API and 3CX gateway
// against the ElevenLabs sandbox and the 3CX simulator, and `npm start` with nothing configured.
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

async function getJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}

async function metricsText(url: string, until: (text: string) => boolean): Promise<string> {
  return eventually(async () => (await fetch(url)).text(), until, 15_000);
}

describe('production entry points: worker.ts, server.ts and gateway.ts', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let sandbox: ElevenLabsSandbox;
  let pbx: ThreeCxSimulator;
  beforeAll(async () => {
    env = await startTestTemporal();
    db = await createTestDatabase();
    sandbox = await startElevenLabsSandbox({ webhookSecret: 'whsec_proc', agents: { agent_proc: {} }, premadeVoices: [{ voiceId: AGENT_VOICE, name: 'Process default' }], callDurationMs: 1_500, cloneLatencyMs: 50, ttsLatencyMs: 10, agentFirstAudioLatencyMs: 100, analysisDurationMs: 50 });
    pbx = await startThreeCxSimulator();
  });
  afterAll(async () => {
    await pbx?.close();
    await sandbox?.close();
    await db?.drop();
    await env?.teardown();
  });

  test('refuse to start without what they need, naming it', async () => {
    const worker = start('src/worker.ts', {});
    const gateway = start('src/gateway.ts', {});
    expect(await worker.exited()).toBe(1);
    expect(worker.output()).toMatch(/DATABASE_URL and TEMPORAL_ADDRESS and ELEVENLABS_API_KEY/);
    expect(await gateway.exited()).toBe(1);
    expect(gateway.output()).toMatch(/THREECX_URL, THREECX_CLIENT_ID and THREECX_CLIENT_SECRET/);
  });

  test('a call through them: the gateway greets and holds the caller, the worker runs the call, the agent speaks, the API shows it', async () => {
    const [port, workerMetricsPort, gatewayPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const pbxName = 'proc.3cx.test';
    const common = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: `proc-${port}`,
      ELEVENLABS_API_KEY: sandbox.apiKey,
      ELEVENLABS_API_BASE: sandbox.url,
      ELEVENLABS_AGENT_ID: 'agent_proc',
      ELEVENLABS_WEBHOOK_SECRET: 'whsec_proc',
      THREECX_PBX: pbxName,
      GREETING_MESSAGE: SHORT_GREETING,
      POST_CALL_GRACE_SECONDS: '5',
      DEFAULT_VOICE_ID: AGENT_VOICE,
    };
    const threecx = { THREECX_URL: pbx.url, THREECX_CLIENT_ID: pbx.clientId, THREECX_CLIENT_SECRET: pbx.clientSecret };
    const worker = start('src/worker.ts', { ...common, WORKER_METRICS_BIND: `127.0.0.1:${workerMetricsPort}` });
    const server = start('src/server.ts', { ...common, PORT: String(port), HOST: '127.0.0.1', WORKER_METRICS_BIND: '' });
    const gateway = start('src/gateway.ts', { ...common, ...threecx, GATEWAY_HTTP_BIND: `127.0.0.1:${gatewayPort}`, WORKER_METRICS_BIND: '' });
    await Promise.all([worker.waitFor(/worker polling/), server.waitFor(/API listening/), gateway.waitFor(/gateway running/)]);
    const apiUrl = `http://127.0.0.1:${port}`;
    sandbox.configure({ webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall` });

    const call = pbx.placeCall({ callerNumber: uniqueCaller(), did: '+4930123456' });
    const workflowId = callWorkflowId(pbxName, String(call.callid));
    const done = await eventually(() => getJson(`${apiUrl}/calls/${encodeURIComponent(workflowId)}`), (s) => s.status?.phase === 'completed', 30_000);
    expect(done.status).toMatchObject({ phase: 'completed', voice: { source: 'default', fallbackReason: 'no_sample' } });
    const greetingVoice = '21m00Tcm4TlvDq8ikWAM';
    const segments = call.heard([greetingVoice, AGENT_VOICE]);
    // Greeting first, then the agent (after music, or straight after the greeting when the default
    // voice is ready before the greeting ends).
    const greetingAt = firstHeard(segments, greetingVoice);
    const agentAt = firstHeard(segments, AGENT_VOICE);
    expect({ greetingFirst: greetingAt !== null && agentAt !== null && greetingAt < agentAt, timeline: describeHeard(segments) }).toEqual({ greetingFirst: true, timeline: describeHeard(segments) });
    expect([...sandbox.conversations.values()].some((c) => c.userId === workflowId)).toBe(true);
    expect(await db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'completed', transcript: expect.stringMatching(/^agent: /) });

    // The worker exposes the Temporal SDK's worker metrics and ours; the gateway its own.
    const workerMetrics = await metricsText(`http://127.0.0.1:${workerMetricsPort}/metrics`, (t) => t.includes('voiceclone_calls_total'));
    expect(workerMetrics).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(workerMetrics).toMatch(/^temporal_activity_\w+\{[^}]*activity_type="recordCallStarted"/m);
    expect(workerMetrics).toMatch(/^voiceclone_calls_total\{[^}]*status="completed"[^}]*voice_source="default"/m);
    expect(workerMetrics).toMatch(/^voiceclone_fallbacks_total\{[^}]*reason="no_sample"/m);
    const gatewayHealth = await fetch(`http://127.0.0.1:${gatewayPort}/health`);
    expect(gatewayHealth.status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${gatewayPort}/metrics`)).text()).toMatch(/^\w+\{[^}]*\} \d/m);

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await gateway.stop('SIGTERM')).toBe(0);
    expect(pbx.liveWsConnections()).toBe(0);
  });
});

describe('npm start (src/dev.ts) and npm run call', () => {
  test('with nothing configured: embedded Temporal, PGlite, 3CX simulator and ElevenLabs sandbox; the printed command places a call and shows what the caller heard; state survives a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-dev-'));
    try {
      const env = {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        EMBEDDED_TEMPORAL_PORT: String(await freePort()),
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
        EMBEDDED_THREECX_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
        WORKER_METRICS_BIND: '',
        GATEWAY_HTTP_BIND: '',
        LOG_LEVEL: 'warn',
      };
      const dev = start('src/dev.ts', env);
      await dev.waitFor(/Ctrl-C stops everything/, 90_000);
      const out = dev.output();
      const apiUrl = out.match(/API\s+(http:\S+)/)![1]!;
      expect(out).toContain(`Temporal UI    http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
      expect(out).toMatch(/embedded dev server/);
      expect(out).toMatch(/embedded PGlite/);
      expect(out).toMatch(/3CX\s+SIMULATOR/);
      expect(out).toMatch(/ElevenLabs\s+SANDBOX/);
      const [, caller] = out.match(/npm run call -- (\+\d+)/)!;

      const call = start('scripts/call.ts', { ...env, LOG_LEVEL: 'warn' });
      expect(await call.exited()).toBe(0);
      const printed = call.output();
      const workflowId = printed.match(/workflow (call-\S+)/)![1]!;
      expect(printed).toContain(`Web UI: http://127.0.0.1:${env.TEMPORAL_UI_PORT}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
      // Hold music shows only when the clone takes longer than the greeting (the sandbox clones in 2–6 s).
      expect(printed).toMatch(/What the caller heard:[\s\S]*greeting voice[\s\S]*agent \(clone voice\)/);
      expect(printed).toMatch(/Call completed/);
      expect(caller).toBe('+4915112345678');
      expect(await dev.stop('SIGINT')).toBe(0);

      const again = start('src/dev.ts', env);
      await again.waitFor(/Ctrl-C stops everything/, 90_000);
      const after = await getJson(`${apiUrl}/calls/${encodeURIComponent(workflowId)}`);
      expect(after.status).toMatchObject({ callId: workflowId, phase: 'completed', voice: { source: 'clone' } });
      expect(await again.stop('SIGINT')).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
