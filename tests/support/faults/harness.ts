import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { callWorkflowId } from '../../../src/contracts/call';
import { humanVoiceId } from '../../../simulators/audio';
import { startElevenLabsSandbox, type ElevenLabsSandbox, type ElevenLabsSandboxOptions } from '../../../simulators/elevenlabs';
import { elevenLabsTrunk } from '../../../simulators/telephony';
import { startThreeCxSimulator, type PlaceCallOptions, type SimulatedCall, type ThreeCxSimulator, type ThreeCxSimulatorOptions } from '../../../simulators/threecx';
import { makeWav } from '../../../scripts/sine-wav';
import { createTestDatabase, type TestDatabase } from '../db';
import { freePort, spawnService, type ServiceProcess } from '../process';
import { startTestTemporal } from '../temporal';

// The service as production runs it, for fault injection: worker.ts, server.ts and gateway.ts as
// real processes, a real Temporal server, a fresh PostgreSQL database (optionally behind a proxy
// the test can cut). In this process: the 3CX simulator (callers dial in, their ears record what
// they hear) and the ElevenLabs sandbox, linked by a simulated SIP trunk, posting its webhooks to
// the API process.

export const FAULTS_PBX = 'faults-pbx';
export const FAULTS_ELEVENLABS_SECRET = 'whsec_faults';
export const FAULTS_3CX_SECRET = 'faults-3cx-secret';
const FAULTS_INIT_SECRET = 'faults-init-secret';
const AGENT_ID = 'agent_faults';
const SIP_PREFIX = '999';
const SIP_NUMBERS = ['+4930555000001', '+4930555000002'];

/** The voices a caller can hear, each a tone signature the simulator's ear tells apart. */
export const VOICES = {
  /** GREETING_VOICE_ID (Rachel, premade): the greeting and the failure message. */
  greeting: '21m00Tcm4TlvDq8ikWAM',
  /** DEFAULT_VOICE_ID: the agent when the caller's clone is not there; distinct from the greeting's. */
  default: 'DefaultVoiceFaults01',
  /** The "human" in the fallback queue. */
  queue: humanVoiceId('8000'),
} as const;
export const FALLBACK_QUEUE = '8000';
/** Short, so a call's hold is mostly music: ~60 ms per character in the sandbox's speech. */
export const GREETING_MESSAGE = 'Welcome, one moment please.';

export interface FaultStackOptions {
  /** A Temporal server the test manages (restarts); otherwise a throw-away dev server is started. */
  temporalAddress?: string;
  /** The DATABASE_URL the processes get, from the test database's direct URL (e.g. through a proxy). */
  processDatabaseUrl?: (directUrl: string) => string;
  /** Environment of the three processes, on top of the defaults below. */
  env?: Record<string, string>;
  sandbox?: ElevenLabsSandboxOptions;
  threecx?: ThreeCxSimulatorOptions;
}

export type ServiceName = 'worker' | 'api' | 'gateway';

export interface FaultStack {
  db: TestDatabase;
  sandbox: ElevenLabsSandbox;
  pbx: ThreeCxSimulator;
  client: Client;
  apiUrl: string;
  taskQueue: string;
  /** Environment the processes run with. */
  env: Record<string, string>;
  worker: ServiceProcess | undefined;
  api: ServiceProcess | undefined;
  gateway: ServiceProcess | undefined;
  /** Starts worker.ts and waits until it polls. */
  startWorker(): Promise<ServiceProcess>;
  /** Starts server.ts (always on the same port) and waits until it listens. */
  startApi(): Promise<ServiceProcess>;
  /** Starts gateway.ts and waits until it runs (greeting rendered or given up on). */
  startGateway(): Promise<ServiceProcess>;
  /** A caller dials the DID: the call reaches the route point. */
  dial(callerNumber: string, options?: Omit<PlaceCallOptions, 'callerNumber'>): { call: SimulatedCall; workflowId: string };
  workflowIdOf(call: SimulatedCall): string;
  /** A voice sample (a real WAV in local storage) and the caller's consent, as registration leaves them. */
  registerVoiceSample(callerE164: string): Promise<void>;
  /** Every process output so far, for failure messages. */
  logs(): string;
  close(): Promise<void>;
}

/** Sandbox defaults: short calls, and a webhook retry schedule long enough to outlast a test's outage. */
const SANDBOX_DEFAULTS: ElevenLabsSandboxOptions = {
  cloneLatencyMs: { min: 200, max: 400 },
  apiLatencyMs: { min: 1, max: 5 },
  ttsLatencyMs: { min: 5, max: 20 },
  agentFirstAudioLatencyMs: { min: 100, max: 200 },
  callDurationMs: 2_500,
  analysisDurationMs: 50,
  premadeVoices: [{ voiceId: VOICES.default, name: 'Faults default' }],
  webhookRetry: { delaysMs: [200, 500, 1_000, 2_000, 3_000, 5_000, 5_000, 5_000, 5_000], timeoutMs: 3_000 },
};

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const processes: ServiceProcess[] = [];
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL').catch(() => undefined)));
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // best effort: every other resource still gets cleaned up
      }
    }
  };
  try {
    let temporalAddress = options.temporalAddress;
    if (!temporalAddress) {
      const env: TestWorkflowEnvironment = await startTestTemporal();
      cleanups.push(() => env.teardown());
      temporalAddress = env.address;
    }
    const connection = await Connection.connect({ address: temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const samplesDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-faults-samples-'));
    cleanups.push(() => rmSync(samplesDir, { recursive: true, force: true }));

    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    const sandbox = await startElevenLabsSandbox({
      ...SANDBOX_DEFAULTS,
      agents: { [AGENT_ID]: {} },
      sipNumbers: Object.fromEntries(SIP_NUMBERS.map((n) => [n, AGENT_ID])),
      webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall`,
      webhookSecret: FAULTS_ELEVENLABS_SECRET,
      conversationInitWebhook: { url: `${apiUrl}/webhook/elevenlabs/conversation-init`, headers: { Authorization: `Bearer ${FAULTS_INIT_SECRET}` } },
      ...options.sandbox,
    });
    cleanups.push(() => sandbox.close());
    const pbx = await startThreeCxSimulator({
      externalLine: elevenLabsTrunk(sandbox, SIP_PREFIX),
      localDestinations: { [FALLBACK_QUEUE]: { answerAfterMs: 300, voiceId: VOICES.queue, text: 'You are through to a person in the queue.' } },
      ...options.threecx,
    });
    cleanups.push(() => pbx.close());

    const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
    const env: Record<string, string> = {
      ENVIRONMENT: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.processDatabaseUrl ? options.processDatabaseUrl(db.url) : db.url,
      DATABASE_POOL_SIZE: '5',
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKER_METRICS_BIND: '',
      GATEWAY_HTTP_BIND: '',
      ELEVENLABS_API_KEY: sandbox.apiKey,
      ELEVENLABS_API_BASE: sandbox.url,
      ELEVENLABS_AGENT_ID: AGENT_ID,
      ELEVENLABS_WEBHOOK_SECRET: FAULTS_ELEVENLABS_SECRET,
      ELEVENLABS_INIT_WEBHOOK_SECRET: FAULTS_INIT_SECRET,
      ELEVENLABS_SIP_NUMBERS: SIP_NUMBERS.join(','),
      ELEVENLABS_REQUEST_TIMEOUT_MS: '3000',
      THREECX_URL: pbx.url,
      THREECX_CLIENT_ID: pbx.clientId,
      THREECX_CLIENT_SECRET: pbx.clientSecret,
      THREECX_PBX: FAULTS_PBX,
      THREECX_SIP_ROUTE_PREFIX: SIP_PREFIX,
      THREECX_WEBHOOK_SECRET: FAULTS_3CX_SECRET,
      GREETING_VOICE_ID: VOICES.greeting,
      GREETING_MESSAGE,
      DEFAULT_VOICE_ID: VOICES.default,
      FALLBACK_DESTINATION: FALLBACK_QUEUE,
      REQUIRE_CLONE_CONSENT: 'true',
      LOCAL_VOICE_SAMPLES_PATH: samplesDir,
      CLONE_MAX_WAIT_SECONDS: '10',
      VOICE_CLONE_TIMEOUT: '10',
      POST_CALL_GRACE_SECONDS: '5',
      ...options.env,
    };

    let logCounter = 0;
    const named = new Map<ServiceProcess, string>();
    const spawn = async (name: ServiceName, entry: string, ready: RegExp): Promise<ServiceProcess> => {
      const p = spawnService(entry, env);
      processes.push(p);
      named.set(p, `${name}#${++logCounter}`);
      await p.waitFor(ready, 90_000);
      return p;
    };

    const stack: FaultStack = {
      db,
      sandbox,
      pbx,
      client,
      apiUrl,
      taskQueue,
      env,
      worker: undefined,
      api: undefined,
      gateway: undefined,
      startWorker: async () => (stack.worker = await spawn('worker', 'src/worker.ts', /worker polling/)),
      startApi: async () => (stack.api = await spawn('api', 'src/server.ts', /API listening/)),
      startGateway: async () => (stack.gateway = await spawn('gateway', 'src/gateway.ts', /gateway running/)),
      dial(callerNumber, callOptions = {}) {
        const call = pbx.placeCall({ callerNumber, did: '+4930123456', ...callOptions });
        return { call, workflowId: stack.workflowIdOf(call) };
      },
      workflowIdOf: (call) => callWorkflowId(FAULTS_PBX, String(call.callid)),
      registerVoiceSample: async (callerE164) => {
        const file = `${callerE164.replace('+', '')}.wav`;
        writeFileSync(path.join(samplesDir, file), makeWav(4));
        await db.prisma.callerVoiceMapping.create({ data: { callerId: callerE164, voiceSampleUrl: file, voiceName: voiceNameFor(callerE164) } });
        await db.prisma.voiceCloneConsent.create({ data: { callerId: callerE164, givenAt: new Date(), method: 'written', recordedBy: 'fault tests' } });
      },
      logs: () => processes.map((p) => `----- ${named.get(p)} -----\n${p.output().slice(-6_000)}`).join('\n'),
      close: async () => {
        const dir = process.env.FAULTS_LOG_DIR;
        if (dir) {
          mkdirSync(dir, { recursive: true });
          for (const p of processes) writeFileSync(path.join(dir, `${taskQueue}-${named.get(p)}.log`), p.output());
        }
        await close();
      },
    };
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts the three processes side by side. */
export async function startServices(stack: FaultStack): Promise<void> {
  await Promise.all([stack.startWorker(), stack.startApi(), stack.startGateway()]);
}

/** The voice name registered for a caller: how the sandbox's voices.add log tells callers apart. */
export function voiceNameFor(callerE164: string): string {
  return `Faults ${callerE164}`;
}

export function uniqueCaller(): string {
  return `+49151${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `fn` until `accept` holds; throws `describe()` on the deadline. */
export async function until<T>(fn: () => Promise<T> | T, accept: (v: T) => boolean, timeoutMs: number, describe: (last: T) => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${describe(value)}`);
    await sleep(100);
  }
}
