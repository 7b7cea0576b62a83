import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { createStorage, prepareDatabase, startApi, startWorker, type Resolved, type RunningWorker } from '../../src/bootstrap';
import { loadConfig, type Config } from '../../src/config';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { createPrismaClient, type PrismaClient } from '../../src/db/prisma';
import { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { startElevenLabsSandbox, type ElevenLabsSandbox } from '../../simulators/elevenlabs';
import { createLogger, type Logger } from '../../src/logger';
import { INSTALL_HINT, resolveTemporalBinary } from '../../src/temporal/binaries';
import { devServerArgs } from '../../src/temporal/dev-server';
import { connectTemporalClient } from '../../src/temporal/connection';
import { createCallWorker } from '../../src/temporal/worker';
import { startFloorWorker, type FloorWorker } from './floor';
import { startServiceProcesses } from './service-processes';
import type { BenchOptions } from './options';
import { freePort } from './server-metrics';

export interface BenchStack {
  config: Config;
  apiUrl: string;
  sandbox: ElevenLabsSandbox;
  /** The bench's own Temporal client (floor, polling, collection); the API has its own. */
  client: Client;
  /** The bench's own small pool, for registering callers. */
  prisma: PrismaClient;
  temporalAddress: string;
  /** The embedded dev server's Prometheus endpoint; null when attached. */
  serverMetricsUrl: string | null;
  floor: FloorWorker;
  samplesDir: string;
  logFile: string;
  threecxSecret: string;
  describe: { temporal: string; database: string; workerAssembly: string };
  /** Stops everything in reverse order; returns what could not be cleaned up. Never throws. */
  stop: () => Promise<string[]>;
}

const STOP_STEP_TIMEOUT_MS = 30_000;

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function databaseUrlFor(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new PgClient({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The SDK's runtime at the production worker's log level, its lines going to the service log. No
 * Prometheus exporter: the bench measures the request path, and the port could be taken.
 */
function installRuntimeOnce(write: (line: string) => void): void {
  // Errors' message and stack are not enumerable: spell them out.
  const plain = (_key: string, value: unknown): unknown =>
    value instanceof Error ? { name: value.name, message: value.message, ...(value as unknown as Record<string, unknown>) } : typeof value === 'bigint' ? String(value) : value;
  const logger = new DefaultLogger('INFO', (entry) => {
    try {
      write(`${JSON.stringify({ level: entry.level, time: Date.now(), source: 'temporal-sdk', msg: entry.message, ...entry.meta }, plain)}\n`);
    } catch {
      write(`${JSON.stringify({ level: entry.level, time: Date.now(), source: 'temporal-sdk', msg: entry.message })}\n`);
    }
  });
  try {
    Runtime.install({ logger, telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } } });
  } catch {
    // Already installed in this process (e.g. by an earlier test suite).
  }
}

/** Registers the call workflow's search attributes on an attached server; "already exists" is fine. */
async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const keyword = proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await client.connection.operatorService
    .addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, keyword])) })
    .catch(() => undefined);
}

type StopStep = { what: string; run: () => Promise<unknown> };

/** Worker and API in this process, each with its own database pool as two processes would have. */
async function startInProcess(
  options: BenchOptions,
  config: Config,
  resolved: Resolved,
  log: Logger,
  sandbox: ElevenLabsSandbox,
  stops: StopStep[],
): Promise<{ apiUrl: string; workerAssembly: string }> {
  // Worker and API are two processes in production, each with its own pool: here too.
  const workerPrisma = await prepareDatabase(resolved.databaseUrl, log.child({ process: 'worker' }), config.database.poolSize);
  stops.push({ what: 'disconnect worker database pool', run: () => workerPrisma.$disconnect() });
  const apiPrisma = await prepareDatabase(resolved.databaseUrl, log.child({ process: 'api' }), config.database.poolSize);
  stops.push({ what: 'disconnect API database pool', run: () => apiPrisma.$disconnect() });

  const running = options.elevenLabsConnections
    ? await startExperimentWorker(config, resolved, workerPrisma, options.elevenLabsConnections)
    : await startWorker(config, resolved, workerPrisma, log.child({ process: 'worker' }));
  stops.push({
    what: 'stop worker',
    run: async () => {
      if (running.worker.getState() === 'RUNNING') running.worker.shutdown();
      await running.done;
    },
  });
  const api = await startApi(config, resolved, apiPrisma, log.child({ process: 'api' }));
  stops.push({
    what: 'stop API',
    run: async () => {
      // No more simulated calls or post-call webhooks while the API and the worker wind down.
      await sandbox.close();
      await api.close();
    },
  });
  return {
    apiUrl: api.url,
    workerAssembly: options.elevenLabsConnections
      ? `EXPERIMENT: startWorker's parts with ElevenLabs client connections=${options.elevenLabsConnections}`
      : 'production: src/bootstrap.ts startWorker (SDK default worker options), in this process',
  };
}

/**
 * The worker as startWorker builds it, except for the ElevenLabs client's pool size: an experiment
 * to measure what that setting does, never the production assembly. No cache-cleanup schedule.
 */
async function startExperimentWorker(config: Config, resolved: Resolved, prisma: PrismaClient, connections: number): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: resolved.temporalAddress });
  const temporal = await connectTemporalClient({ address: resolved.temporalAddress, namespace: config.temporal.namespace });
  const elevenlabs = new ElevenLabsClient({
    baseUrl: resolved.elevenlabs.baseUrl,
    apiKey: resolved.elevenlabs.apiKey,
    requestTimeoutMs: config.elevenlabs.requestTimeoutMs,
    cloneTimeoutMs: config.clone.timeoutSeconds * 1000,
    connections,
    uploadConnections: connections,
  });
  const worker = await createCallWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({
      prisma,
      elevenlabs,
      storage: createStorage(config),
      temporal,
      taskQueue: config.temporal.taskQueue,
      agent: resolved.elevenlabs,
      sampleLimits: { maxSizeBytes: config.clone.maxSizeBytes, minDurationSeconds: config.clone.minDurationSeconds },
    }),
  });
  const done = worker.run().finally(async () => {
    await elevenlabs.close();
    await temporal.connection.close();
    await connection.close();
  });
  return { worker, done };
}

/**
 * Everything in this process, as `npm start` and the production entry points assemble it: a
 * Temporal dev server (or TEMPORAL_ADDRESS), a fresh PostgreSQL database (or DATABASE_URL), the
 * ElevenLabs sandbox posting signed post-call webhooks, startWorker and startApi on a random port.
 */
export async function startBenchStack(options: BenchOptions, runId: string): Promise<BenchStack> {
  const stops: StopStep[] = [];
  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    // A request handler or activity still retrying an RPC when its connection is closed throws from
    // a timer (grpc-js "Channel has been shut down"): during teardown that is expected, not fatal.
    const onUncaught = (err: unknown) => problems.push(`after teardown began: ${err instanceof Error ? err.message : String(err)}`);
    process.on('uncaughtException', onUncaught);
    for (const step of stops.reverse()) {
      try {
        await bounded(step.run(), STOP_STEP_TIMEOUT_MS, step.what);
      } catch (err) {
        problems.push(`${step.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    stops.length = 0;
    // Retry timers of closed clients fire up to a few seconds later.
    setTimeout(() => process.off('uncaughtException', onUncaught), 15_000).unref();
    return problems;
  };

  try {
    mkdirSync(options.outDir, { recursive: true });
    const logFile = path.join(options.outDir, `${runId}.log`);
    const logStream = pino.destination({ dest: logFile, sync: false, mkdir: true });
    let logOpen = true;
    stops.push({
      what: 'close service log',
      run: () =>
        new Promise<void>((resolve) => {
          logOpen = false;
          logStream.once('close', () => resolve());
          logStream.end();
        }),
    });
    // The runtime outlives this run (one per process): it must not write to a closed file.
    installRuntimeOnce((line) => logOpen && logStream.write(line));
    const scratch = mkdtempSync(path.join(tmpdir(), 'voiceclone-bench-'));
    stops.push({ what: 'remove scratch directory', run: () => Promise.resolve(rmSync(scratch, { recursive: true, force: true })) });
    const samplesDir = path.join(scratch, 'voice-samples');
    mkdirSync(samplesDir, { recursive: true });

    let temporalAddress = options.temporalAddress;
    let serverMetricsUrl: string | null = null;
    let temporalDescription = `attached: ${temporalAddress ?? ''}`;
    if (!temporalAddress) {
      const executable = resolveTemporalBinary('temporal');
      const metricsPort = await freePort();
      let env: TestWorkflowEnvironment;
      try {
        env = await TestWorkflowEnvironment.createLocal({
          server: {
            executable,
            namespace: options.temporalNamespace,
            ip: '127.0.0.1',
            ui: false,
            ...(options.temporalDb === 'file' ? { dbFilename: path.join(scratch, 'temporal.sqlite') } : {}),
            searchAttributes: SEARCH_ATTRIBUTES,
            log: { format: 'pretty', level: 'error' },
            extraArgs: devServerArgs(['--metrics-port', String(metricsPort)], options.temporalDynamicConfig),
          },
        });
      } catch (err) {
        throw new Error(`Could not start a Temporal dev server (${(err as Error).message}). ${INSTALL_HINT}`, { cause: err });
      }
      stops.push({ what: 'stop Temporal dev server', run: () => env.teardown() });
      temporalAddress = env.address;
      serverMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      temporalDescription = `embedded dev server (${executable.type === 'existing-path' ? executable.path : 'SDK download'}, SQLite ${options.temporalDb === 'file' ? 'file' : 'in memory'}${options.temporalDynamicConfig.map((kv) => `, ${kv}`).join('')}) on ${temporalAddress}`;
    }

    let databaseUrl = options.databaseUrl;
    let databaseDescription = 'attached: DATABASE_URL';
    if (!databaseUrl) {
      const name = `voiceclone_bench_${runId.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(-12)}_${randomBytes(3).toString('hex')}`;
      await withAdmin(options.adminDatabaseUrl, `CREATE DATABASE "${name}"`);
      stops.push({ what: `drop database ${name}`, run: () => withAdmin(options.adminDatabaseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) });
      databaseUrl = databaseUrlFor(options.adminDatabaseUrl, name);
      databaseDescription = `fresh database ${name} on ${new URL(options.adminDatabaseUrl).host}`;
    }

    const elevenLabsWebhookSecret = `whsec_bench_${randomBytes(12).toString('hex')}`;
    const threecxSecret = randomBytes(24).toString('hex');
    const sandbox = await startElevenLabsSandbox({
      host: '127.0.0.1',
      port: 0,
      webhookSecret: elevenLabsWebhookSecret,
      cloneLatencyMs: options.cloneLatencyMs,
      outboundCallLatencyMs: options.outboundCallLatencyMs,
      ringDurationMs: options.ringDurationMs,
      callDurationMs: options.callDurationMs,
      analysisDurationMs: options.analysisDurationMs,
      voiceLimit: options.voiceLimit,
    });
    stops.push({ what: 'close ElevenLabs sandbox', run: () => sandbox.close() });

    const serviceEnv: Record<string, string> = {
      ENVIRONMENT: 'staging',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: options.logLevel,
      DATABASE_URL: databaseUrl,
      ...(options.dbPoolSize ? { DATABASE_POOL_SIZE: String(options.dbPoolSize) } : {}),
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: options.temporalNamespace,
      // Its own queue: a worker of another deployment on the same server never takes these calls.
      TEMPORAL_TASK_QUEUE: `bench-${runId}`,
      WORKER_METRICS_BIND: '',
      ELEVENLABS_WEBHOOK_SECRET: elevenLabsWebhookSecret,
      THREECX_WEBHOOK_SECRET: threecxSecret,
      ADMIN_API_TOKEN: randomBytes(24).toString('hex'),
      LOCAL_VOICE_SAMPLES_PATH: samplesDir,
      ...(options.cloneMaxWaitSeconds ? { CLONE_MAX_WAIT_SECONDS: String(options.cloneMaxWaitSeconds) } : {}),
    };
    const config = loadConfig(serviceEnv);

    const log: Logger = createLogger(config.logLevel, { process: 'bench' }, logStream);

    const resolved: Resolved = {
      databaseUrl,
      temporalAddress,
      elevenlabs: { baseUrl: sandbox.url, apiKey: sandbox.apiKey, agentId: 'agent_bench', phoneNumberId: 'phnum_bench', telephony: config.elevenlabs.telephony },
    };
    const client = await connectTemporalClient({ address: temporalAddress, namespace: config.temporal.namespace });
    stops.push({ what: 'close bench Temporal client', run: () => client.connection.close() });
    if (options.temporalAddress) await ensureSearchAttributes(client, config.temporal.namespace);

    let apiUrl: string;
    let workerAssembly: string;
    if (options.processes === 'separate') {
      const services = await startServiceProcesses(
        {
          ...serviceEnv,
          ELEVENLABS_API_KEY: sandbox.apiKey,
          ELEVENLABS_API_BASE: sandbox.url,
          ELEVENLABS_AGENT_ID: resolved.elevenlabs.agentId,
          ELEVENLABS_PHONE_NUMBER_ID: resolved.elevenlabs.phoneNumberId,
        },
        await freePort(),
        (chunk) => logOpen && logStream.write(chunk),
      );
      stops.push({
        what: 'stop worker and API processes',
        run: async () => {
          // No more simulated calls or post-call webhooks while the API and the worker wind down.
          await sandbox.close();
          await services.stop();
        },
      });
      apiUrl = services.apiUrl;
      workerAssembly = 'production: src/worker.ts and src/server.ts as two processes (SDK default worker options)';
    } else {
      ({ apiUrl, workerAssembly } = await startInProcess(options, config, resolved, log, sandbox, stops));
    }
    sandbox.configure({ webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall` });

    const floor = await startFloorWorker(temporalAddress, config.temporal.namespace);
    stops.push({ what: 'stop floor worker', run: () => floor.stop() });

    const prisma = createPrismaClient(databaseUrl, 2);
    stops.push({ what: 'disconnect bench database pool', run: () => prisma.$disconnect() });

    return {
      config,
      apiUrl,
      sandbox,
      client,
      prisma,
      temporalAddress,
      serverMetricsUrl,
      floor,
      samplesDir,
      logFile,
      threecxSecret,
      describe: {
        temporal: temporalDescription,
        database: databaseDescription,
        workerAssembly,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
