import { prepareDatabase, requireExternal, startWorker } from './bootstrap';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { installTemporalRuntime } from './temporal/runtime';

// Production worker: `node dist/worker.js`. Temporal's runtime stops it gracefully on SIGINT/SIGTERM.
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { process: 'worker' });
  installTemporalRuntime({ logLevel: 'INFO', metricsBind: config.temporal.workerMetricsBind, log });
  const resolved = requireExternal(config, 'The worker');
  const prisma = await prepareDatabase(resolved.databaseUrl, log, config.database.poolSize);
  try {
    const { done } = await startWorker(config, resolved, prisma, log);
    await done;
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
