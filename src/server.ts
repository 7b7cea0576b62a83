import { prepareDatabase, requireExternal, startApi } from './bootstrap';
import { loadConfig } from './config';
import { createLogger } from './logger';

// Production API: `node dist/server.js`.
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { process: 'api' });
  const resolved = requireExternal(config, 'The API server');
  const prisma = await prepareDatabase(resolved.databaseUrl, log, config.database.poolSize);
  const api = await startApi(config, resolved, prisma, log);
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    void api
      .close()
      .then(() => prisma.$disconnect())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
