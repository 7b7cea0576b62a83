import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { createPrismaClient, type PrismaClient } from '../../src/db/prisma';
import type { RunningGateway } from '../../src/gateway/start-gateway';
import { createLogger } from '../../src/logger';
import { connectTemporalClient } from '../../src/temporal/connection';
import { prepareBenchDatabase } from './database';
import { startFloorWorker, type FloorWorker } from './floor';
import { startInProcess } from './in-process';
import type { BenchOptions } from './options';
import { freePort } from './server-metrics';
import { serviceEnv } from './service-env';
import { startServiceProcesses, type ServiceName } from './service-processes';
import { startSimulators, type Simulators } from './simulators';
import { Teardown } from './teardown';
import { startTemporal, type TemporalServer } from './temporal-server';

export interface BenchStack {
  config: Config;
  sims: Simulators;
  /** The bench's own Temporal client (floor, collection); the services have theirs. */
  client: Client;
  /** The bench's own small pool, for registering callers. */
  prisma: PrismaClient;
  temporal: TemporalServer;
  floor: FloorWorker;
  samplesDir: string;
  logFile: string;
  apiUrl: string;
  /** The gateway when it runs in this process (its events are observed for the stage breakdown). */
  gateway: RunningGateway | null;
  /** PIDs of the worker, API and gateway processes (`--processes separate`). */
  processes: Record<ServiceName, number> | null;
  /** The gateway's Prometheus endpoint (`--processes separate`): its JS heap. */
  gatewayMetricsUrl: string | null;
  describe: { temporal: string; database: string; assembly: string };
  /** Stops everything in reverse order; returns what could not be cleaned up. Never throws. */
  stop: () => Promise<string[]>;
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

/**
 * The whole live path on real parts: Temporal (dev server or TEMPORAL_ADDRESS), PostgreSQL, the
 * ElevenLabs sandbox and the 3CX simulator (linked by the simulated SIP trunk), and the worker,
 * the API and the gateway — in this process or as three processes — all from one environment.
 */
export async function startBenchStack(options: BenchOptions, runId: string, cachedVoices: Iterable<string>): Promise<BenchStack> {
  const teardown = new Teardown();
  try {
    mkdirSync(options.outDir, { recursive: true });
    const logFile = path.join(options.outDir, `${runId}.log`);
    const logStream = pino.destination({ dest: logFile, sync: false, mkdir: true });
    let logOpen = true;
    teardown.add('close service log', () => new Promise<void>((resolve) => {
      logOpen = false;
      logStream.once('close', () => resolve());
      logStream.end();
    }));
    // The runtime outlives this run (one per process): it must not write to a closed file.
    installRuntimeOnce((line) => logOpen && logStream.write(line));
    const scratch = mkdtempSync(path.join(tmpdir(), 'voiceclone-bench-'));
    teardown.add('remove scratch directory', () => rmSync(scratch, { recursive: true, force: true }));
    const samplesDir = path.join(scratch, 'voice-samples');
    mkdirSync(samplesDir, { recursive: true });

    const temporal = await startTemporal(options, scratch, teardown);
    const database = await prepareBenchDatabase(options, runId, scratch, teardown);
    const sims = await startSimulators(options, cachedVoices, teardown);
    const separate = options.processes === 'separate';
    const env = serviceEnv(options, {
      runId,
      databaseUrl: database.url,
      temporalAddress: temporal.address,
      sims,
      samplesDir,
      gatewayHttpBind: separate ? `127.0.0.1:${await freePort()}` : '',
      apiPort: separate ? await freePort() : 0,
    });
    const config = loadConfig(env);
    const client = await connectTemporalClient({ address: temporal.address, namespace: config.temporal.namespace });
    teardown.add('close bench Temporal client', () => client.connection.close());
    if (options.temporalAddress) await ensureSearchAttributes(client, config.temporal.namespace);

    let apiUrl: string;
    let gateway: RunningGateway | null = null;
    let processes: Record<ServiceName, number> | null = null;
    let assembly: string;
    if (separate) {
      const services = await startServiceProcesses(env, (chunk) => logOpen && logStream.write(chunk));
      teardown.add('stop worker, API and gateway processes', () => services.stop());
      processes = services.pids;
      apiUrl = `http://127.0.0.1:${env.PORT}`;
      assembly = 'production: src/worker.ts, src/server.ts and src/gateway.ts as three processes';
    } else {
      const log = createLogger(config.logLevel, { process: 'bench' }, logStream);
      const services = await startInProcess(config, log, teardown, options.workflowBundlePath);
      ({ apiUrl, gateway, assembly } = services);
    }
    sims.sandbox.configure({
      webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall`,
      conversationInitWebhook: { url: `${apiUrl}/webhook/elevenlabs/conversation-init`, headers: { Authorization: `Bearer ${sims.initWebhookSecret}` } },
    });

    const floor = await startFloorWorker(temporal.address, config.temporal.namespace);
    teardown.add('stop floor worker', () => floor.stop());
    const prisma = createPrismaClient(database.url, 2);
    teardown.add('disconnect bench database pool', () => prisma.$disconnect());

    return {
      config,
      sims,
      client,
      prisma,
      temporal,
      floor,
      samplesDir,
      logFile,
      apiUrl,
      gateway,
      processes,
      gatewayMetricsUrl: separate ? `http://${env.GATEWAY_HTTP_BIND}/metrics` : null,
      describe: { temporal: temporal.description, database: database.description, assembly },
      stop: () => teardown.run(),
    };
  } catch (err) {
    await teardown.run();
    throw err;
  }
}
