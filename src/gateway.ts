import { requireExternal, requireThreeCx, startGatewayProcess } from './bootstrap';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { installTemporalRuntime } from './temporal/runtime';

// Production gateway: `node dist/gateway.js`, exactly one per PBX — 3CX allows one live Call
// Control token per API client, and a second process would kill the first one's streams.
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { process: 'gateway' });
  installTemporalRuntime({ logLevel: 'INFO', metricsBind: undefined, log });
  const threecx = requireThreeCx(config);
  const resolved = requireExternal(config, 'The gateway', { database: false });
  // One broken promise must not end every caller's audio on this PBX: logged, the process goes on.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection in the gateway'));
  const gateway = await startGatewayProcess(config, resolved, threecx, log);
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down: running steps finish, calls stay at 3CX for the next gateway');
    void gateway.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await gateway.done;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
