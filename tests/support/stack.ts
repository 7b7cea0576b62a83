import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../../src/api/app';
import { buildActivities, createElevenLabsClient, createStorage, type ElevenLabsTarget } from '../../src/bootstrap';
import { loadConfig, type Config } from '../../src/config';
import { callWorkflowId } from '../../src/contracts/call';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway';
import type { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { createLogger } from '../../src/logger';
import { createCallWorker } from '../../src/temporal/worker';
import { startElevenLabsSandbox, type ElevenLabsSandbox, type ElevenLabsSandboxOptions } from '../../simulators/elevenlabs';
import { elevenLabsTrunk } from '../../simulators/telephony';
import { startThreeCxSimulator, type ExternalLine, type PlaceCallOptions, type SimulatedCall, type ThreeCxSimulator, type ThreeCxSimulatorOptions } from '../../simulators/threecx';
import { makeWav } from '../../scripts/sine-wav';
import { createTestDatabase, type TestDatabase } from './db';
import { workflowBundlePath } from './env';
import { startTestTemporal } from './temporal';

export const TEST_3CX_SECRET = 'test-3cx-secret';
export const TEST_ELEVENLABS_WEBHOOK_SECRET = 'whsec_test';
export const TEST_INIT_WEBHOOK_SECRET = 'init-secret-for-tests';
export const TEST_AGENT = 'agent_test';
/** The agent's SIP-trunk numbers (SIP mode) and the 3CX outbound-rule prefix that reaches them. */
export const TEST_SIP_NUMBERS = ['+4930123450001', '+4930123450002'];
export const TEST_SIP_PREFIX = '999';
/** A 3CX queue where a "human" answers (FALLBACK_DESTINATION); they speak in `humanVoiceId('8000')`. */
export const TEST_FALLBACK_QUEUE = '8000';
/** DEFAULT_VOICE_ID: a premade sandbox voice other than the greeting's, so the caller can tell them apart. */
export const TEST_DEFAULT_VOICE = 'pNInz6obpgDQGcFmaJgB';
/** A greeting of about a second (the default one lasts ~5 s), for suites where the greeting is not the subject. */
export const SHORT_GREETING = 'Hello, please hold.';

export interface TestStack {
  config: Config;
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  sandbox: ElevenLabsSandbox;
  pbx: ThreeCxSimulator;
  elevenlabs: ElevenLabsClient;
  apiUrl: string;
  taskQueue: string;
  /** THREECX_PBX: unique per stack, so stacks sharing a Temporal server never share a call id. */
  pbxName: string;
  samplesDir: string;
  gateway: RunningGateway | undefined;
  /** How long a route to the ElevenLabs SIP trunk rings (StackOptions.sipRingMs); a test may change it. */
  sipRing: { ms: number };
  /** A caller dials the DID: the call reaches the route point. Returns the simulated call and its workflow id. */
  dial(callerNumber: string, options?: Omit<PlaceCallOptions, 'callerNumber'>): { call: SimulatedCall; workflowId: string };
  workflowIdOf(call: SimulatedCall): string;
  /** Registers a voice sample (a real WAV file in local storage) for a caller, with consent on record. */
  registerVoiceSample(callerE164: string, seconds?: number): Promise<void>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  startGateway(): Promise<void>;
  stopGateway(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  sandbox?: ElevenLabsSandboxOptions;
  threecx?: ThreeCxSimulatorOptions;
  /** An existing Temporal environment (e.g. the time-skipping server); the stack will not tear it down. */
  temporal?: TestWorkflowEnvironment;
  /** Start without the gateway (tests that start it themselves). */
  gateway?: boolean;
  /** How long a route to the ElevenLabs SIP trunk rings before the agent's number answers. Default 0. */
  sipRingMs?: number;
}

/**
 * The service as it runs in production, on real parts: a Temporal server, a fresh PostgreSQL
 * database, the ElevenLabs sandbox and the 3CX simulator over real HTTP/WebSocket (linked by a
 * simulated SIP trunk), local voice-sample storage, the main worker and the gateway on their own
 * task queues, and the HTTP API on a random port (the sandbox posts its webhooks there).
 */
export async function startTestStack({ env: envOverrides = {}, sandbox: sandboxOptions = {}, threecx = {}, temporal, gateway: withGateway = true, sipRingMs = 0 }: StackOptions = {}): Promise<TestStack> {
  const suffix = randomBytes(4).toString('hex');
  const taskQueue = `test-${suffix}`;
  const env = temporal ?? (await startTestTemporal());
  const db = await createTestDatabase();
  const samplesDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-samples-'));
  const sandbox = await startElevenLabsSandbox({
    webhookSecret: TEST_ELEVENLABS_WEBHOOK_SECRET,
    cloneLatencyMs: { min: 50, max: 100 },
    apiLatencyMs: { min: 1, max: 5 },
    ttsLatencyMs: { min: 5, max: 20 },
    agentFirstAudioLatencyMs: { min: 100, max: 200 },
    callDurationMs: 4000,
    analysisDurationMs: 50,
    agents: { [TEST_AGENT]: {} },
    premadeVoices: [{ voiceId: TEST_DEFAULT_VOICE, name: 'Default voice' }],
    // Room for every clone a suite makes: no voice-slot eviction unless a test asks for it.
    voiceLimit: 1000,
    sipNumbers: Object.fromEntries(TEST_SIP_NUMBERS.map((n) => [n, TEST_AGENT])),
    ...sandboxOptions,
  });
  const sipRing = { ms: sipRingMs };
  const pbx = await startThreeCxSimulator({
    externalLine: ringing(elevenLabsTrunk(sandbox, TEST_SIP_PREFIX), sipRing),
    localDestinations: { [TEST_FALLBACK_QUEUE]: { answerAfterMs: 300, text: 'You are through to a person in the queue.' } },
    ...threecx,
  });
  const config = loadConfig({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    TEMPORAL_TASK_QUEUE: taskQueue,
    THREECX_WEBHOOK_SECRET: TEST_3CX_SECRET,
    THREECX_URL: pbx.url,
    THREECX_CLIENT_ID: pbx.clientId,
    THREECX_CLIENT_SECRET: pbx.clientSecret,
    THREECX_PBX: `pbx${suffix}.test`,
    THREECX_SIP_ROUTE_PREFIX: TEST_SIP_PREFIX,
    GATEWAY_HTTP_BIND: '',
    ELEVENLABS_AGENT_ID: TEST_AGENT,
    ELEVENLABS_WEBHOOK_SECRET: TEST_ELEVENLABS_WEBHOOK_SECRET,
    ELEVENLABS_INIT_WEBHOOK_SECRET: TEST_INIT_WEBHOOK_SECRET,
    ELEVENLABS_SIP_NUMBERS: TEST_SIP_NUMBERS.join(','),
    DATABASE_URL: db.url,
    LOCAL_VOICE_SAMPLES_PATH: samplesDir,
    CLONE_MAX_WAIT_SECONDS: '10',
    POST_CALL_GRACE_SECONDS: '5',
    REQUIRE_CLONE_CONSENT: 'true',
    DEFAULT_VOICE_ID: TEST_DEFAULT_VOICE,
    ...envOverrides,
  });
  const target: ElevenLabsTarget = { baseUrl: sandbox.url, apiKey: sandbox.apiKey, agentId: TEST_AGENT };
  const elevenlabs = createElevenLabsClient(config, target);
  const log = createLogger(config.logLevel);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const stack: TestStack = {
    config,
    env,
    db,
    sandbox,
    pbx,
    elevenlabs,
    apiUrl: '',
    taskQueue,
    pbxName: config.threecx.pbx,
    samplesDir,
    gateway: undefined,
    sipRing,
    dial(callerNumber, options = {}) {
      const call = pbx.placeCall({ callerNumber, did: '+4930123456', ...options });
      return { call, workflowId: stack.workflowIdOf(call) };
    },
    workflowIdOf: (call) => callWorkflowId(config.threecx.pbx, String(call.callid)),
    registerVoiceSample: async (callerE164, seconds = 4) => {
      const file = `${callerE164.replace('+', '')}.wav`;
      writeFileSync(path.join(samplesDir, file), makeWav(seconds));
      await db.prisma.callerVoiceMapping.create({ data: { callerId: callerE164, voiceSampleUrl: file, voiceName: `Caller ${callerE164.slice(-4)}` } });
      await db.prisma.voiceCloneConsent.create({ data: { callerId: callerE164, givenAt: new Date(), method: 'written', recordedBy: 'tests' } });
    },
    startWorker: async () => {
      worker = await createCallWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        activities: buildActivities(config, { prisma: db.prisma, elevenlabs, temporal: env.client, agentId: TEST_AGENT }),
        workflowBundle: { codePath: workflowBundlePath() },
      });
      running = worker.run();
    },
    stopWorker: async () => {
      if (!worker) return;
      worker.shutdown();
      await running;
      worker = undefined;
    },
    startGateway: async () => {
      stack.gateway = await startGateway({
        config,
        threecx: { url: pbx.url, clientId: pbx.clientId, clientSecret: pbx.clientSecret },
        temporal: env.client,
        connection: env.nativeConnection,
        elevenlabs,
        agentId: TEST_AGENT,
        log,
      });
    },
    stopGateway: async () => {
      await stack.gateway?.close();
      stack.gateway = undefined;
    },
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.stopGateway();
      await stack.stopWorker();
      await elevenlabs.close();
      await pbx.close();
      await sandbox.close();
      await db.drop();
      if (!temporal) await env.teardown();
      rmSync(samplesDir, { recursive: true, force: true });
    },
  };

  await stack.startWorker();
  if (withGateway) await stack.startGateway();
  const app = createApp({ config, temporal: env.client, prisma: db.prisma, log, storage: createStorage(config), elevenlabs });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  stack.apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  sandbox.configure({
    webhookUrl: `${stack.apiUrl}/webhook/elevenlabs/postcall`,
    conversationInitWebhook: { url: `${stack.apiUrl}/webhook/elevenlabs/conversation-init`, headers: { Authorization: `Bearer ${TEST_INIT_WEBHOOK_SECRET}` } },
  });
  return stack;
}

/** The trunk answers `ms` after the route starts ringing; other destinations match no outbound rule (they fail at once). */
/** The trunk's number rings first; if 3CX gives up meanwhile (the caller hung up) it is cancelled, never answered. */
function ringing(trunk: ExternalLine, ring: { ms: number }): ExternalLine {
  return (destination, call) => {
    if (ring.ms === 0 || !destination.startsWith(TEST_SIP_PREFIX)) return trunk(destination, call);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ring.ms);
      call.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    }).then(() => (call.signal.aborted ? { reject: 'Cancelled' } : (trunk(destination, call) ?? { reject: 'No outbound rule' })));
  };
}
