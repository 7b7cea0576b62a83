import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LatencyRange } from '../../simulators/elevenlabs';

export interface BenchOptions {
  /** 'steady': `rate` calls/s for `durationSeconds`; 'burst': `calls` webhooks sent at once. */
  mode: 'steady' | 'burst';
  rate: number;
  durationSeconds: number;
  /** Calls in the measured run (steady: rate × duration unless given; burst: the burst size). */
  calls: number;
  /** ElevenLabs sandbox behaviour. */
  cloneLatencyMs: LatencyRange;
  outboundCallLatencyMs: LatencyRange;
  ringDurationMs: number;
  callDurationMs: number;
  analysisDurationMs: number;
  voiceLimit: number;
  /** Caller mix (see docs/PERFORMANCE.md). */
  repeatShare: number;
  internalShare: number;
  sampleShare: number;
  cachedShare: number;
  seed: number;
  /** CLONE_MAX_WAIT_SECONDS; unset = the service default. */
  cloneMaxWaitSeconds?: number;
  /** DATABASE_POOL_SIZE of the worker and of the API; unset = the service default. */
  dbPoolSize?: number;
  logLevel: string;
  /** Sequential samples for each floor figure. */
  floorSamples: number;
  /** Calls whose histories are read for the timing breakdown (spread over the run); 0 = none. */
  breakdownCalls: number;
  /** Calls made (and awaited) before the measured run, not counted. */
  warmupCalls: number;
  /** Whole-run limit, start-up to collection; calls not closed by then count as lost. */
  timeoutSeconds: number;
  outDir: string;
  /** Admin URL of the PostgreSQL server on which the bench creates (and drops) its database. */
  adminDatabaseUrl: string;
  /** Attach to this Temporal server instead of starting a dev server. */
  temporalAddress?: string;
  temporalNamespace: string;
  /**
   * 'one': worker, API, sandbox and load generator in this process (default); 'separate': the
   * worker and the API run as their own Node.js processes (`src/worker.ts`, `src/server.ts`), as in
   * production.
   */
  processes: 'one' | 'separate';
  /** Embedded dev server only: SQLite in a file (the `npm start` setup) or in memory. */
  temporalDb: 'file' | 'memory';
  /** Embedded dev server only: `--dynamic-config-value` settings, e.g. `system.enableActivityEagerExecution=true`. */
  temporalDynamicConfig: string[];
  /** Use this (migrated on start) database instead of creating one. */
  databaseUrl?: string;
  /**
   * Experiment, not production: keep-alive connections of the worker's ElevenLabs client. When set
   * the worker is assembled by the bench (same parts as startWorker) with this pool size.
   */
  elevenLabsConnections?: number;
  /** Print progress lines. */
  verbose: boolean;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const DEFAULTS: BenchOptions = {
  mode: 'steady',
  rate: 10,
  durationSeconds: 60,
  calls: 600,
  cloneLatencyMs: { min: 5_000, max: 30_000 },
  outboundCallLatencyMs: { min: 300, max: 1_500 },
  ringDurationMs: 500,
  callDurationMs: 2_000,
  analysisDurationMs: 500,
  voiceLimit: 100_000,
  repeatShare: 0.3,
  internalShare: 0.05,
  sampleShare: 0.7,
  cachedShare: 0.3,
  seed: 1,
  logLevel: 'info',
  floorSamples: 200,
  breakdownCalls: 300,
  warmupCalls: 5,
  timeoutSeconds: 600,
  outDir: path.join(REPO_ROOT, 'bench-results'),
  adminDatabaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres',
  temporalNamespace: 'default',
  temporalDb: 'file',
  processes: 'one',
  temporalDynamicConfig: [],
  verbose: true,
};

export const USAGE = `npm run bench -- [options]

Load (defaults: --rate 10 --duration 60):
  --rate <n>              webhooks per second (steady mode)
  --duration <s>          seconds of steady load
  --calls <n>             calls in the steady run (default rate × duration)
  --burst <n>             send n webhooks at once instead (burst mode)
ElevenLabs sandbox:
  --clone-latency <ms>    voice clone time, "20000" or "5000-30000" (default 5000-30000)
  --outbound-latency <ms> outbound-call response time (default 300-1500)
  --ring <ms> --call-duration <ms> --analysis <ms>   simulated call (default 500 / 2000 / 500)
  --voice-limit <n>       voice slots (default 100000)
Caller mix:
  --repeat-share <0..1>   share of calls from an earlier caller (default 0.3)
  --internal-share <0..1> share of new callers that are internal extensions (default 0.05)
  --sample-share <0..1>   share of new external callers with a voice sample (default 0.7)
  --cached-share <0..1>   share of those whose clone is already cached (default 0.3)
  --seed <n>              caller mix seed (default 1)
Service:
  --clone-max-wait <s>    CLONE_MAX_WAIT_SECONDS (default: the service default)
  --db-pool <n>           DATABASE_POOL_SIZE (default: the service default)
  --log-level <level>     service log level; logs go to bench-results/<run>.log (default info)
  --processes <layout>    one (default: worker + API + sandbox + load in this process) or separate
                          (worker and API as their own processes, as in production)
  --temporal-db <kind>    embedded dev server's SQLite: file (default, the npm start setup) or memory
  --temporal-config <k=v> embedded dev server dynamic config value (repeatable)
  --el-connections <n>    EXPERIMENT: size of both ElevenLabs client pools (production: 100 + 100)
Run:
  --floor-samples <n>     samples per floor figure (default 200)
  --warmup <n>            unmeasured calls first (default 5)
  --breakdown <n>         histories read for the timing breakdown (default 300, 0 = none)
  --timeout <s>           whole-run limit (default 600)
  --out-dir <dir>         where <timestamp>.json goes (default bench-results/)
  --quiet                 no progress lines
Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres);
TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / DATABASE_URL attach to existing services.`;

function positive(name: string, raw: string | undefined, integer = false): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  return n;
}

function share(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${name} must be within 0..1, got ${raw}`);
  return n;
}

export function parseLatency(name: string, raw: string | undefined): LatencyRange | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(raw.trim());
  if (!m) throw new Error(`--${name} must be milliseconds ("20000") or a range ("5000-30000"), got ${raw}`);
  return m[2] === undefined ? Number(m[1]) : { min: Number(m[1]), max: Number(m[2]) };
}

export interface EnvSettings {
  benchDatabaseUrl?: string;
  temporalAddress?: string;
  temporalNamespace?: string;
  databaseUrl?: string;
}

/** Bench options from the command line; `env` carries what the caller read from the environment. */
export function parseBenchArgs(argv: string[], env: EnvSettings = {}): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      calls: { type: 'string' },
      burst: { type: 'string' },
      'clone-latency': { type: 'string' },
      'outbound-latency': { type: 'string' },
      ring: { type: 'string' },
      'call-duration': { type: 'string' },
      analysis: { type: 'string' },
      'voice-limit': { type: 'string' },
      'repeat-share': { type: 'string' },
      'internal-share': { type: 'string' },
      'sample-share': { type: 'string' },
      'cached-share': { type: 'string' },
      seed: { type: 'string' },
      'clone-max-wait': { type: 'string' },
      'db-pool': { type: 'string' },
      'log-level': { type: 'string' },
      'el-connections': { type: 'string' },
      'temporal-db': { type: 'string' },
      processes: { type: 'string' },
      'temporal-config': { type: 'string', multiple: true },
      'floor-samples': { type: 'string' },
      warmup: { type: 'string' },
      breakdown: { type: 'string' },
      timeout: { type: 'string' },
      'out-dir': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const temporalDb = values['temporal-db'] ?? DEFAULTS.temporalDb;
  if (temporalDb !== 'file' && temporalDb !== 'memory') throw new Error(`--temporal-db must be file or memory, got ${temporalDb}`);
  const temporalDynamicConfig = values['temporal-config'] ?? [];
  const processes = values.processes ?? DEFAULTS.processes;
  if (processes !== 'one' && processes !== 'separate') throw new Error(`--processes must be one or separate, got ${processes}`);
  if (processes === 'separate' && values['el-connections'] !== undefined) throw new Error('--el-connections needs --processes one (the experiment assembles the worker in this process)');
  for (const kv of temporalDynamicConfig) {
    if (!/^[\w.]+=\S+$/.test(kv)) throw new Error(`--temporal-config must be key=value, got ${kv}`);
  }
  const burst = positive('burst', values.burst, true);
  const rate = positive('rate', values.rate) ?? DEFAULTS.rate;
  const durationSeconds = positive('duration', values.duration) ?? DEFAULTS.durationSeconds;
  const warmup = values.warmup === undefined ? DEFAULTS.warmupCalls : Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup must be a non-negative integer, got ${values.warmup}`);
  const breakdown = values.breakdown === undefined ? DEFAULTS.breakdownCalls : Number(values.breakdown);
  if (!Number.isInteger(breakdown) || breakdown < 0) throw new Error(`--breakdown must be a non-negative integer, got ${values.breakdown}`);
  return {
    ...DEFAULTS,
    mode: burst === undefined ? 'steady' : 'burst',
    rate,
    durationSeconds,
    calls: burst ?? positive('calls', values.calls, true) ?? Math.max(1, Math.round(rate * durationSeconds)),
    cloneLatencyMs: parseLatency('clone-latency', values['clone-latency']) ?? DEFAULTS.cloneLatencyMs,
    outboundCallLatencyMs: parseLatency('outbound-latency', values['outbound-latency']) ?? DEFAULTS.outboundCallLatencyMs,
    ringDurationMs: positive('ring', values.ring) ?? DEFAULTS.ringDurationMs,
    callDurationMs: positive('call-duration', values['call-duration']) ?? DEFAULTS.callDurationMs,
    analysisDurationMs: positive('analysis', values.analysis) ?? DEFAULTS.analysisDurationMs,
    voiceLimit: positive('voice-limit', values['voice-limit'], true) ?? DEFAULTS.voiceLimit,
    repeatShare: share('repeat-share', values['repeat-share']) ?? DEFAULTS.repeatShare,
    internalShare: share('internal-share', values['internal-share']) ?? DEFAULTS.internalShare,
    sampleShare: share('sample-share', values['sample-share']) ?? DEFAULTS.sampleShare,
    cachedShare: share('cached-share', values['cached-share']) ?? DEFAULTS.cachedShare,
    seed: positive('seed', values.seed, true) ?? DEFAULTS.seed,
    cloneMaxWaitSeconds: positive('clone-max-wait', values['clone-max-wait']),
    dbPoolSize: positive('db-pool', values['db-pool'], true),
    logLevel: values['log-level'] ?? DEFAULTS.logLevel,
    elevenLabsConnections: positive('el-connections', values['el-connections'], true),
    floorSamples: positive('floor-samples', values['floor-samples'], true) ?? DEFAULTS.floorSamples,
    warmupCalls: warmup,
    breakdownCalls: breakdown,
    timeoutSeconds: positive('timeout', values.timeout) ?? DEFAULTS.timeoutSeconds,
    outDir: path.resolve(values['out-dir'] ?? DEFAULTS.outDir),
    adminDatabaseUrl: env.benchDatabaseUrl ?? DEFAULTS.adminDatabaseUrl,
    temporalAddress: env.temporalAddress,
    temporalNamespace: env.temporalNamespace ?? DEFAULTS.temporalNamespace,
    temporalDb,
    temporalDynamicConfig,
    processes,
    databaseUrl: env.databaseUrl,
    verbose: !values.quiet,
  };
}
