import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { callWorkflowId } from '../../../src/contracts/call';
import { startElevenLabsSandbox, type ElevenLabsSandbox, type ElevenLabsSandboxOptions } from '../../../simulators/elevenlabs';
import { startThreeCxSimulator, type PlaceCallOptions, type SimulatedCall, type ThreeCxSimulator, type ThreeCxSimulatorOptions } from '../../../simulators/threecx';
import { makeWav } from '../../../scripts/sine-wav';
import { createTestDatabase, type TestDatabase } from '../db';
import { freePort, spawnService, type ServiceProcess } from '../process';
import { startTestTemporal } from '../temporal';
import { FAULTS_PBX, processEnv, sandboxOptions, threeCxOptions } from './config';

// The service as production runs it, for fault injection: worker.ts, server.ts and gateway.ts as
// real processes, a real Temporal server, a fresh PostgreSQL database (optionally behind a proxy
// the test can cut). In this process: the 3CX simulator (callers dial in, their ears record what
// they hear) and the ElevenLabs sandbox, linked by a simulated SIP trunk, posting its webhooks to
// the API process. Their settings: config.ts.

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
  /**
   * The longest this test process's event loop was held up (ms) since a process last became
   * ready: the callers' ears live here, so a stall shows in what they heard as silence the
   * gateway never caused.
   */
  testProcessStallMs(): number;
  close(): Promise<void>;
}

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
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  cleanups.push(() => {
    loopDelay.disable();
  });
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
    const sandbox = await startElevenLabsSandbox({ ...sandboxOptions(apiUrl), ...options.sandbox });
    cleanups.push(() => sandbox.close());
    const pbx = await startThreeCxSimulator({ ...threeCxOptions(sandbox), ...options.threecx });
    cleanups.push(() => pbx.close());

    const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
    const env: Record<string, string> = {
      ...processEnv({ apiPort: port, temporalAddress, taskQueue, sandbox, pbx, samplesDir }),
      DATABASE_URL: options.processDatabaseUrl ? options.processDatabaseUrl(db.url) : db.url,
      ...options.env,
    };

    let logCounter = 0;
    const named = new Map<ServiceProcess, string>();
    const spawn = async (name: ServiceName, entry: string, ready: RegExp): Promise<ServiceProcess> => {
      const p = spawnService(entry, env);
      processes.push(p);
      named.set(p, `${name}#${++logCounter}`);
      await p.waitFor(ready, 90_000);
      loopDelay.reset();
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
      testProcessStallMs: () => Math.round(loopDelay.max / 1e6),
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
