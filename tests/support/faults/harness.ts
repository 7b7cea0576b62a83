import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CallOutcome, CallStatus } from '../../../src/contracts/call';
import {
  startElevenLabsSandbox,
  type ElevenLabsSandbox,
  type ElevenLabsSandboxOptions,
  type FailureSpec,
  type SandboxEndpoint,
  type SandboxRequestRecord,
} from '../../../simulators/elevenlabs';
import { createTestDatabase, type TestDatabase } from '../db';
import { freePort, spawnService, type ServiceProcess } from '../process';
import { makeWav } from '../../../scripts/sine-wav';
import { TEST_3CX_SECRET } from '../stack';
import { startTestTemporal } from '../temporal';
import { incomingCall, post3cx } from '../threecx';

// The service as production runs it, for fault injection: worker.ts and server.ts as real
// processes, a real Temporal server, a fresh PostgreSQL database (optionally behind a proxy the
// test can cut), and the ElevenLabs sandbox over HTTP posting signed webhooks to the API.

export const FAULTS_ELEVENLABS_SECRET = 'whsec_faults';
export type Step = 'greeting' | 'agent';

export interface FaultStackOptions {
  /** A Temporal server the test manages (restarts); otherwise a throw-away dev server is started. */
  temporalAddress?: string;
  /** The DATABASE_URL the processes get, from the test database's direct URL (e.g. through a proxy). */
  processDatabaseUrl?: (directUrl: string) => string;
  /** Environment of both processes, on top of the defaults below. */
  env?: Record<string, string>;
  sandbox?: ElevenLabsSandboxOptions;
}

export interface FaultStack {
  db: TestDatabase;
  sandbox: ElevenLabsSandbox;
  client: Client;
  apiUrl: string;
  taskQueue: string;
  /** Environment both processes run with. */
  env: Record<string, string>;
  worker: ServiceProcess | undefined;
  api: ServiceProcess | undefined;
  /** Starts worker.ts and waits until it polls. */
  startWorker(): Promise<ServiceProcess>;
  /** Starts server.ts (always on the same port) and waits until it listens. */
  startApi(): Promise<ServiceProcess>;
  registerVoiceSample(callerE164: string): Promise<void>;
  /** Every process output so far, for failure messages. */
  logs(): string;
  close(): Promise<void>;
}

/** Sandbox defaults: fast calls, and a webhook retry schedule long enough to outlast a test's outage. */
const SANDBOX_DEFAULTS: ElevenLabsSandboxOptions = {
  cloneLatencyMs: { min: 200, max: 400 },
  outboundCallLatencyMs: { min: 20, max: 60 },
  apiLatencyMs: { min: 1, max: 5 },
  ringDurationMs: 50,
  callDurationMs: 300,
  analysisDurationMs: 50,
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
      webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall`,
      webhookSecret: FAULTS_ELEVENLABS_SECRET,
      ...options.sandbox,
    });
    cleanups.push(() => sandbox.close());

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
      ELEVENLABS_API_KEY: sandbox.apiKey,
      ELEVENLABS_API_BASE: sandbox.url,
      ELEVENLABS_AGENT_ID: 'agent_faults',
      ELEVENLABS_PHONE_NUMBER_ID: 'phnum_faults',
      ELEVENLABS_WEBHOOK_SECRET: FAULTS_ELEVENLABS_SECRET,
      ELEVENLABS_REQUEST_TIMEOUT_MS: '3000',
      THREECX_WEBHOOK_SECRET: TEST_3CX_SECRET,
      LOCAL_VOICE_SAMPLES_PATH: samplesDir,
      CLONE_MAX_WAIT_SECONDS: '10',
      VOICE_CLONE_TIMEOUT: '10',
      POST_CALL_GRACE_SECONDS: '5',
      ...options.env,
    };

    let logCounter = 0;
    const named = new Map<ServiceProcess, string>();
    const spawn = async (entry: string, ready: RegExp, label: string): Promise<ServiceProcess> => {
      const p = spawnService(entry, env);
      processes.push(p);
      named.set(p, `${label}#${++logCounter}`);
      await p.waitFor(ready, 90_000);
      return p;
    };

    const stack: FaultStack = {
      db,
      sandbox,
      client,
      apiUrl,
      taskQueue,
      env,
      worker: undefined,
      api: undefined,
      startWorker: async () => (stack.worker = await spawn('src/worker.ts', /worker polling/, 'worker')),
      startApi: async () => (stack.api = await spawn('src/server.ts', /API listening/, 'api')),
      registerVoiceSample: async (callerE164) => {
        const file = `${callerE164.replace('+', '')}.wav`;
        writeFileSync(path.join(samplesDir, file), makeWav(4));
        await db.prisma.callerVoiceMapping.create({ data: { callerId: callerE164, voiceSampleUrl: file, voiceName: voiceNameFor(callerE164) } });
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

/** The voice name registered for a caller: how the sandbox's voices.add log tells callers apart. */
export function voiceNameFor(callerE164: string): string {
  return `Faults ${callerE164}`;
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
    await sleep(200);
  }
}

/** A signed IncomingCall; returns the HTTP status and body, or the network error's code. */
export async function sendIncomingCall(apiUrl: string, body: Record<string, unknown>): Promise<{ status: number; json: any } | { error: string }> {
  try {
    return await post3cx(apiUrl, body);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

/** Posts an IncomingCall that must be accepted; returns its workflow id. */
export async function placeCall(stack: FaultStack, overrides: Record<string, unknown>): Promise<string> {
  const res = await sendIncomingCall(stack.apiUrl, incomingCall(overrides));
  if (!('status' in res) || res.status !== 202) throw new Error(`IncomingCall not accepted: ${JSON.stringify(res)}`);
  return res.json.workflow_id as string;
}

export interface ClosedCall {
  id: string;
  status: string;
  outcome: CallOutcome | undefined;
}

/** Waits until every call's workflow is closed; on the deadline, fails naming the open ones and their phase. */
export async function waitForCallsClosed(stack: FaultStack, ids: string[], timeoutMs: number): Promise<Map<string, ClosedCall>> {
  const closed = new Map<string, ClosedCall>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const id of ids) {
      if (closed.has(id)) continue;
      const handle = stack.client.workflow.getHandle(id);
      const description = await handle.describe().catch(() => undefined);
      const status = description?.status.name;
      if (status && status !== 'RUNNING') {
        const outcome = status === 'COMPLETED' ? ((await handle.result()) as CallOutcome) : undefined;
        closed.set(id, { id, status, outcome });
      }
    }
    if (closed.size === ids.length) return closed;
    if (Date.now() > deadline) {
      const open = ids.filter((id) => !closed.has(id));
      const phases = await Promise.all(
        open.map(async (id) => {
          const s = await stack.client.workflow
            .getHandle(id)
            .query<CallStatus>('status')
            .catch((e: unknown) => ({ phase: `unknown (${(e as Error).message})`, lastError: null }) as unknown as CallStatus);
          return `${id}: ${s.phase}${s.lastError ? ` (${s.lastError})` : ''}`;
        }),
      );
      throw new Error(`${open.length} of ${ids.length} calls still open after ${timeoutMs} ms:\n${phases.join('\n')}\n${stack.logs()}`);
    }
    await sleep(250);
  }
}

/** Outbound-call requests the sandbox received for a call and step. */
export function outboundRequests(sandbox: ElevenLabsSandbox, callId: string, step: Step): SandboxRequestRecord[] {
  return sandbox.requests.filter((r) => {
    if (r.endpoint !== 'outboundCall') return false;
    const data = (r.json as any)?.conversation_initiation_client_data;
    return data?.user_id === callId && data?.dynamic_variables?.call_step === step;
  });
}

/** Conversations (placed phone calls) the sandbox holds for a call and step. */
export function placedConversations(sandbox: ElevenLabsSandbox, callId: string, step: Step): string[] {
  return [...sandbox.conversations.values()].filter((c) => c.userId === callId && c.dynamicVariables.call_step === step).map((c) => c.conversationId);
}

/** Clone requests (POST /v1/voices/add) the sandbox received for a caller. */
export function cloneRequestsFor(sandbox: ElevenLabsSandbox, callerE164: string): SandboxRequestRecord[] {
  const name = voiceNameFor(callerE164);
  return sandbox.requests.filter((r) => r.endpoint === 'voices.add' && r.multipart?.fields.name?.[0] === name);
}

/**
 * The invariants every fault must keep, for each call: the workflow closed COMPLETED with phase
 * `completed`, exactly one greeting and one agent conversation was placed (the ones the outcome
 * names), and the call_log row is final and agrees with the outcome. With `singleRequest`, each
 * step was also requested only once (no fault made the service repeat a POST).
 */
export async function expectCallsCompletedOnce(stack: FaultStack, closed: Map<string, ClosedCall>, { singleRequest }: { singleRequest: boolean }): Promise<void> {
  const ids = [...closed.keys()];
  const rows = await stack.db.prisma.callLog.findMany({ where: { callId: { in: ids } } });
  const byId = new Map(rows.map((r) => [r.callId, r]));
  const problems: string[] = [];
  for (const { id, status, outcome } of closed.values()) {
    const say = (what: string) => problems.push(`${id}: ${what}`);
    if (status !== 'COMPLETED' || outcome?.phase !== 'completed') say(`workflow ${status}, phase ${outcome?.phase} (${outcome?.lastError ?? ''})`);
    for (const step of ['greeting', 'agent'] as const) {
      const placed = placedConversations(stack.sandbox, id, step);
      const requests = outboundRequests(stack.sandbox, id, step);
      if (placed.length !== 1) say(`${placed.length} ${step} calls placed`);
      else if (outcome && outcome.conversations[step] !== placed[0]) say(`${step} conversation ${outcome.conversations[step]} is not the placed ${placed[0]}`);
      if (singleRequest && requests.length !== 1) say(`${requests.length} ${step} outbound-call requests`);
    }
    const row = byId.get(id);
    if (!row) say('no call_log row');
    else {
      const meta = (row.metadata ?? {}) as Record<string, unknown>;
      if (row.status !== 'completed' || !row.callEndedAt) say(`call_log status ${row.status}, ended ${String(row.callEndedAt)}`);
      if (outcome && meta.agent_conversation_id !== outcome.conversations.agent) say(`call_log agent conversation ${String(meta.agent_conversation_id)}`);
      if (outcome && meta.voice_source !== outcome.voice.source) say(`call_log voice source ${String(meta.voice_source)}`);
      if (!row.transcript) say('call_log has no transcript (post-call data lost)');
    }
  }
  if (problems.length > 0) throw new Error(`Invariant violations:\n${problems.join('\n')}`);
}

export interface InjectedFailure {
  spec: FailureSpec;
  request: SandboxRequestRecord;
}

/**
 * Injects `specs` one after the other on the endpoint's next requests (whichever call they belong
 * to): each spec fires once, then the next is armed. Resolves with the request each one hit.
 */
export async function injectInOrder(sandbox: ElevenLabsSandbox, endpoint: SandboxEndpoint, specs: FailureSpec[], timeoutMs: number): Promise<InjectedFailure[]> {
  const fired: InjectedFailure[] = [];
  const deadline = Date.now() + timeoutMs;
  let seen = sandbox.requests.at(-1)?.id ?? 0;
  try {
    for (const spec of specs) {
      sandbox.setFailure(endpoint, { ...spec, times: 1 });
      for (;;) {
        const request = sandbox.requests.find((r) => r.id > seen && r.endpoint === endpoint && r.injectedFailure !== undefined);
        if (request) {
          fired.push({ spec, request });
          seen = request.id;
          break;
        }
        if (Date.now() > deadline) throw new Error(`only ${fired.length} of ${specs.length} ${endpoint} failures fired within ${timeoutMs} ms`);
        await sleep(5);
      }
    }
    return fired;
  } finally {
    sandbox.setFailure(endpoint, null);
  }
}

/** Milliseconds between one request and the next request of the same list. */
export function gapsMs(requests: SandboxRequestRecord[]): number[] {
  return requests.slice(1).map((r, i) => r.receivedAt - requests[i]!.receivedAt);
}
