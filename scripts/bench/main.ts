import { loadConfig } from '../../src/config';
import { formatReport, runBench } from './index';
import { parseBenchArgs, USAGE } from './options';

// `npm run bench -- [options]`: see docs/PERFORMANCE.md. Ctrl-C stops the load, still collects
// what was measured and always cleans up (dev server, database, servers).

async function main(): Promise<number> {
  // TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / DATABASE_URL through the service's own configuration;
  // BENCH_DATABASE_URL (else the tests' server) is the bench's parameter.
  const service = loadConfig();
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(process.argv.slice(2), {
      benchDatabaseUrl: process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined,
      temporalAddress: service.temporal.address,
      temporalNamespace: service.temporal.namespace,
      databaseUrl: service.database.url,
    });
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const abort = new AbortController();
  let interruptedAt = 0;
  const onSignal = () => {
    // Ctrl-C reaches both `tsx` (which relays it) and this process: one keypress is two signals.
    if (abort.signal.aborted) {
      if (Date.now() - interruptedAt > 2_000) {
        console.error('[bench] forced quit: the Temporal dev server, database and temp files may be left behind');
        process.exit(130);
      }
      return;
    }
    interruptedAt = Date.now();
    console.error('[bench] interrupted: stopping the load, collecting, cleaning up (Ctrl-C again to force quit)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const report = await runBench(options, abort.signal);
  console.log(formatReport(report));
  if (report.interrupted) return 130;
  const correct = report.counts.lost === 0 && report.counts.duplicated === 0 && report.counts.unverified === 0;
  return correct ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(2);
  },
);
