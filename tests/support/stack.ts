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
import type { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { startElevenLabsSandbox, type ElevenLabsSandbox, type ElevenLabsSandboxOptions } from '../../src/integrations/elevenlabs/sandbox';
import { createLogger } from '../../src/logger';
import { createCallWorker } from '../../src/temporal/worker';
import { createTestDatabase, type TestDatabase } from './db';
import { workflowBundlePath } from './env';
import { makeWav } from '../../scripts/sine-wav';
import { startTestTemporal } from './temporal';

export const TEST_3CX_SECRET = 'test-3cx-secret';
export const TEST_ELEVENLABS_WEBHOOK_SECRET = 'whsec_test';

export interface TestStack {
  config: Config;
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  sandbox: ElevenLabsSandbox;
  elevenlabs: ElevenLabsClient;
  apiUrl: string;
  taskQueue: string;
  samplesDir: string;
  /** Registers a voice sample (a real WAV file in local storage) for a caller. */
  registerVoiceSample(callerE164: string, seconds?: number): Promise<void>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  sandbox?: ElevenLabsSandboxOptions;
  /** An existing Temporal environment (e.g. the time-skipping server); the stack will not tear it down. */
  temporal?: TestWorkflowEnvironment;
}

/**
 * The service as it runs in production, on real parts: a Temporal server, a fresh PostgreSQL
 * database, the ElevenLabs sandbox over real HTTP, local voice-sample storage, a worker on its own
 * task queue, and the HTTP API on a random port (the sandbox posts its signed webhooks there).
 */
export async function startTestStack({ env: envOverrides = {}, sandbox: sandboxOptions = {}, temporal }: StackOptions = {}): Promise<TestStack> {
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const env = temporal ?? (await startTestTemporal());
  const db = await createTestDatabase();
  const samplesDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-samples-'));
  const sandbox = await startElevenLabsSandbox({
    webhookSecret: TEST_ELEVENLABS_WEBHOOK_SECRET,
    cloneLatencyMs: { min: 50, max: 100 },
    outboundCallLatencyMs: { min: 10, max: 30 },
    apiLatencyMs: { min: 1, max: 5 },
    ringDurationMs: 50,
    callDurationMs: 300,
    analysisDurationMs: 50,
    ...sandboxOptions,
  });
  const config = loadConfig({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    TEMPORAL_TASK_QUEUE: taskQueue,
    THREECX_WEBHOOK_SECRET: TEST_3CX_SECRET,
    ELEVENLABS_WEBHOOK_SECRET: TEST_ELEVENLABS_WEBHOOK_SECRET,
    DATABASE_URL: db.url,
    LOCAL_VOICE_SAMPLES_PATH: samplesDir,
    CLONE_MAX_WAIT_SECONDS: '10',
    POST_CALL_GRACE_SECONDS: '5',
    ...envOverrides,
  });
  const target: ElevenLabsTarget = { baseUrl: sandbox.url, apiKey: sandbox.apiKey, agentId: 'agent_test', phoneNumberId: 'phnum_test', telephony: config.elevenlabs.telephony };
  const elevenlabs = createElevenLabsClient(config, target);
  const log = createLogger(config.logLevel);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const startWorker = async () => {
    worker = await createCallWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      activities: buildActivities(config, { prisma: db.prisma, elevenlabs, temporal: env.client, agent: target }),
      workflowBundle: { codePath: workflowBundlePath() },
    });
    running = worker.run();
  };
  const stopWorker = async () => {
    if (!worker) return;
    worker.shutdown();
    await running;
    worker = undefined;
  };

  await startWorker();
  const app = createApp({ config, temporal: env.client, prisma: db.prisma, log, storage: createStorage(config), elevenlabs });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  sandbox.configure({ webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall` });

  return {
    config,
    env,
    db,
    sandbox,
    elevenlabs,
    apiUrl,
    taskQueue,
    samplesDir,
    registerVoiceSample: async (callerE164, seconds = 4) => {
      const file = `${callerE164.replace('+', '')}.wav`;
      writeFileSync(path.join(samplesDir, file), makeWav(seconds));
      await db.prisma.callerVoiceMapping.create({ data: { callerId: callerE164, voiceSampleUrl: file, voiceName: `Caller ${callerE164.slice(-4)}` } });
    },
    startWorker,
    stopWorker,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopWorker();
      await elevenlabs.close();
      await sandbox.close();
      await db.drop();
      if (!temporal) await env.teardown();
      rmSync(samplesDir, { recursive: true, force: true });
    },
  };
}
