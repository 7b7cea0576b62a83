import type { Server } from 'node:http';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { createApp } from './api/app';
import type { Config } from './config';
import { migrateDatabase } from './db/migrate';
import { createPrismaClient, type PrismaClient } from './db/prisma';
import type { Logger } from './logger';
import { connectTemporalClient } from './temporal/connection';
import { createCallWorker } from './temporal/worker';

// Start-up pieces shared by the production entry points (worker.ts, server.ts) and `npm start`.

export interface Resolved {
  databaseUrl: string;
  temporalAddress: string;
}

export async function prepareDatabase(databaseUrl: string, log: Logger, poolSize: number): Promise<PrismaClient> {
  const applied = await migrateDatabase(databaseUrl);
  log.info({ applied }, applied.length ? `applied ${applied.length} database migration(s)` : 'database schema is up to date');
  return createPrismaClient(databaseUrl, poolSize);
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down (after `shutdown()` or a signal). */
  done: Promise<void>;
  connection: NativeConnection;
}

export async function startWorker(config: Config, resolved: Resolved, prisma: PrismaClient, log: Logger): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: resolved.temporalAddress });
  const worker = await createCallWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({ prisma }),
  });
  const done = worker.run().finally(() => connection.close());
  log.info({ taskQueue: config.temporal.taskQueue, address: resolved.temporalAddress }, 'worker polling');
  return { worker, done, connection };
}

export interface RunningApi {
  server: Server;
  url: string;
  close: () => Promise<void>;
}

export async function startApi(config: Config, resolved: Resolved, prisma: PrismaClient, log: Logger): Promise<RunningApi> {
  const temporal = await connectTemporalClient({ address: resolved.temporalAddress, namespace: config.temporal.namespace });
  const app = createApp({ config, temporal, prisma, log });
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
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
    },
  };
}

export function requireExternal(config: Config, processName: string): Resolved {
  const missing = [!config.database.url && 'DATABASE_URL', !config.temporal.address && 'TEMPORAL_ADDRESS'].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(`${processName} needs ${missing.join(' and ')}; use \`npm start\` for the all-in-one development setup`);
  }
  return { databaseUrl: config.database.url!, temporalAddress: config.temporal.address! };
}
