import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createCallWorker } from '../../src/temporal/worker';
import { createTestDatabase, type TestDatabase } from './db';
import { workflowBundlePath } from './env';
import { startTestTemporal } from './temporal';

export const TEST_3CX_SECRET = 'test-3cx-secret';

export interface TestStack {
  config: Config;
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  apiUrl: string;
  taskQueue: string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The service as it runs in production, on real parts: a Temporal server, a fresh PostgreSQL
 * database, a worker on its own task queue and the HTTP API on a random port.
 */
export async function startTestStack(overrides: Record<string, string> = {}): Promise<TestStack> {
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const env = await startTestTemporal();
  const db = await createTestDatabase();
  const config = loadConfig({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    TEMPORAL_TASK_QUEUE: taskQueue,
    THREECX_WEBHOOK_SECRET: TEST_3CX_SECRET,
    DATABASE_URL: db.url,
    ...overrides,
  });
  const log = createLogger(config.logLevel);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const startWorker = async () => {
    worker = await createCallWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      activities: createActivities({ prisma: db.prisma }),
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
  const app = createApp({ config, temporal: env.client, prisma: db.prisma, log });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    config,
    env,
    db,
    apiUrl,
    taskQueue,
    startWorker,
    stopWorker,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopWorker();
      await db.drop();
      await env.teardown();
    },
  };
}
