import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createActivities, type Activities } from './activities';
import { createApp } from './api/app';
import type { Config } from './config';
import { migrateDatabase } from './db/migrate';
import { createPrismaClient, type PrismaClient } from './db/prisma';
import { ElevenLabsClient, type ElevenLabsClientOptions } from './integrations/elevenlabs/client';
import { createVoiceSampleStore, type RoutingVoiceSampleStore } from './integrations/storage/create-store';
import type { Logger } from './logger';
import { elevenLabsTemporalObserver } from './metrics/elevenlabs-temporal';
import { createMetrics } from './metrics/registry';
import { connectTemporalClient, temporalAuth, type TemporalAuth } from './temporal/connection';
import { ensureCacheCleanupSchedule } from './temporal/schedules';
import { createCallWorker } from './temporal/worker';
import { startGateway, type GatewayDeps, type RunningGateway } from './gateway/start-gateway';

// Start-up pieces shared by the production entry points (worker.ts, server.ts) and `npm start`.

/** Where ElevenLabs (or the sandbox standing in for it) is, and the agent that takes the calls. */
export interface ElevenLabsTarget {
  baseUrl: string;
  apiKey: string;
  agentId: string;
}

export interface Resolved {
  databaseUrl: string;
  temporalAddress: string;
  /** TLS / API key of a remote cluster; none for the embedded dev server. */
  temporalAuth?: TemporalAuth;
  elevenlabs: ElevenLabsTarget;
}

export async function prepareDatabase(databaseUrl: string, log: Logger, poolSize: number): Promise<PrismaClient> {
  const applied = await migrateDatabase(databaseUrl);
  log.info({ applied }, applied.length ? `applied ${applied.length} database migration(s)` : 'database schema is up to date');
  return createPrismaClient(databaseUrl, poolSize);
}

export function createElevenLabsClient(config: Config, target: ElevenLabsTarget, onRequest?: ElevenLabsClientOptions['onRequest']): ElevenLabsClient {
  return new ElevenLabsClient({
    baseUrl: target.baseUrl,
    apiKey: target.apiKey,
    requestTimeoutMs: config.elevenlabs.requestTimeoutMs,
    cloneTimeoutMs: config.clone.timeoutSeconds * 1000,
    onRequest,
  });
}

export function createStorage(config: Config): RoutingVoiceSampleStore {
  const { storage } = config;
  mkdirSync(storage.localPath, { recursive: true });
  return createVoiceSampleStore({
    kind: storage.kind,
    localPath: storage.localPath,
    ...(storage.s3.bucket
      ? {
          s3: {
            bucket: storage.s3.bucket,
            region: storage.s3.region,
            prefix: storage.s3.prefix,
            forcePathStyle: storage.s3.forcePathStyle,
            ...(storage.s3.endpoint ? { endpoint: storage.s3.endpoint } : {}),
            ...(storage.s3.accessKeyId && storage.s3.secretAccessKey
              ? { accessKeyId: storage.s3.accessKeyId, secretAccessKey: storage.s3.secretAccessKey }
              : {}),
          },
        }
      : {}),
  });
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down (after `shutdown()` or a signal). */
  done: Promise<void>;
}

/** The worker's activities, wired to real dependencies from the configuration. */
export function buildActivities(
  config: Config,
  deps: { prisma: PrismaClient; elevenlabs: ElevenLabsClient; temporal: Client; agentId: string },
): Activities {
  return createActivities({
    ...deps,
    storage: createStorage(config),
    taskQueue: config.temporal.taskQueue,
    sampleLimits: { maxSizeBytes: config.clone.maxSizeBytes, minDurationSeconds: config.clone.minDurationSeconds },
  });
}

export async function startWorker(config: Config, resolved: Resolved, prisma: PrismaClient, log: Logger): Promise<RunningWorker> {
  const auth = resolved.temporalAuth;
  const connection = await NativeConnection.connect({
    address: resolved.temporalAddress,
    ...(auth ? { tls: auth.tls, ...(auth.apiKey ? { apiKey: auth.apiKey } : {}) } : {}),
  });
  const temporal = await connectTemporalClient({ address: resolved.temporalAddress, namespace: config.temporal.namespace, auth });
  const elevenlabs = createElevenLabsClient(config, resolved.elevenlabs, elevenLabsTemporalObserver(Runtime.instance().metricMeter));
  const worker = await createCallWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: buildActivities(config, { prisma, elevenlabs, temporal, agentId: resolved.elevenlabs.agentId }),
  });
  await ensureCacheCleanupSchedule(temporal, {
    taskQueue: config.temporal.taskQueue,
    intervalSeconds: config.cache.cleanupIntervalSeconds,
    voiceSlotReserve: config.cache.voiceSlotReserve,
    callLogRetentionDays: config.cache.callLogRetentionDays,
    maxCallDurationSeconds: config.call.maxCallDurationSeconds,
  });
  const done = worker.run().finally(async () => {
    await elevenlabs.close();
    await temporal.connection.close();
    await connection.close();
  });
  log.info({ taskQueue: config.temporal.taskQueue, address: resolved.temporalAddress, elevenlabs: resolved.elevenlabs.baseUrl }, 'worker polling');
  return { worker, done };
}

export interface RunningApi {
  server: Server;
  url: string;
  temporal: Client;
  close: () => Promise<void>;
}

export async function startApi(config: Config, resolved: Resolved, prisma: PrismaClient, log: Logger): Promise<RunningApi> {
  const temporal = await connectTemporalClient({ address: resolved.temporalAddress, namespace: config.temporal.namespace, auth: resolved.temporalAuth });
  const metrics = createMetrics();
  const elevenlabs = createElevenLabsClient(config, resolved.elevenlabs, metrics.elevenlabs.observe);
  const app = createApp({ config, temporal, prisma, log, storage: createStorage(config), elevenlabs, metrics });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.http.port, config.http.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
  log.info({ url }, 'API listening');
  return {
    server,
    url,
    temporal,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
      await elevenlabs.close();
    },
  };
}

/** The gateway of the configured PBX, with its own Temporal connections and ElevenLabs client. */
export async function startGatewayProcess(config: Config, resolved: Resolved, threecx: GatewayDeps['threecx'], log: Logger): Promise<RunningGateway> {
  const auth = resolved.temporalAuth;
  const connection = await NativeConnection.connect({
    address: resolved.temporalAddress,
    ...(auth ? { tls: auth.tls, ...(auth.apiKey ? { apiKey: auth.apiKey } : {}) } : {}),
  });
  const temporal = await connectTemporalClient({ address: resolved.temporalAddress, namespace: config.temporal.namespace, auth });
  const elevenlabs = createElevenLabsClient(config, resolved.elevenlabs);
  const gateway = await startGateway({ config, threecx, temporal, connection, elevenlabs, agentId: resolved.elevenlabs.agentId, log });
  return {
    ...gateway,
    close: async () => {
      await gateway.close();
      await elevenlabs.close();
      await temporal.connection.close();
      await connection.close();
    },
  };
}

/** The gateway's Call Control client, required in every environment where the gateway runs. */
export function requireThreeCx(config: Config): GatewayDeps['threecx'] {
  const { url, clientId, clientSecret } = config.threecx;
  if (!url || !clientId || !clientSecret) {
    throw new Error('The gateway needs THREECX_URL, THREECX_CLIENT_ID and THREECX_CLIENT_SECRET (the 3CX Call Control API client); use `npm start` for the simulator');
  }
  return { url, clientId, clientSecret };
}

/** The production processes talk only to real, configured services (the gateway needs no database). */
export function requireExternal(config: Config, processName: string, { database = true } = {}): Resolved {
  const { elevenlabs } = config;
  const missing = [
    database && !config.database.url && 'DATABASE_URL',
    !config.temporal.address && 'TEMPORAL_ADDRESS',
    !elevenlabs.apiKey && 'ELEVENLABS_API_KEY',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(`${processName} needs ${missing.join(' and ')}; use \`npm start\` for the all-in-one development setup`);
  }
  return {
    databaseUrl: config.database.url ?? '',
    temporalAddress: config.temporal.address!,
    temporalAuth: temporalAuth(config),
    elevenlabs: { baseUrl: elevenlabs.apiBase, apiKey: elevenlabs.apiKey!, agentId: elevenlabs.agentId! },
  };
}
