import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LatencyRange } from '../../simulators/elevenlabs';

export type AgentFormat = 'pcm_8000' | 'pcm_16000';

export interface BenchOptions {
  /**
   * 'steady': `rate` calls/s for `durationSeconds`; 'burst': `calls` callers dial at once;
   * 'concurrent': `calls` callers dial at `rate` and stay on long conversations, to measure the
   * bridge with all of them live at once.
   */
  mode: 'steady' | 'burst' | 'concurrent';
  rate: number;
  durationSeconds: number;
  calls: number;
  /** HANDOFF_MODE. */
  handoff: 'bridge' | 'sip';
  /** The sandbox agent's user_input_audio_format and agent_output_audio_format. */
  agentFormat: AgentFormat;
  /** Agent conversation length (the sandbox agent then ends it). */
  conversationMs: number;
  /** Sandbox agent: conversation start → its first audio. */
  agentLatencyMs: LatencyRange;
  cloneLatencyMs: LatencyRange;
  ttsLatencyMs: LatencyRange;
  apiLatencyMs: LatencyRange;
  /** The caller says a short line every this many ms (the agent answers each); 0 = silent callers. */
  talkEveryMs: number;
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
  /** THREECX_PLAYBACK_LEAD_MS; unset = the service default. */
  playbackLeadMs?: number;
  logLevel: string;
  floorSamples: number;
  /** Calls whose histories are read for the timing breakdown (spread over the run); 0 = none. */
  breakdownCalls: number;
  /** Calls made (and awaited) before the measured run, not counted. */
  warmupCalls: number;
  /** Whole-run limit, start-up to collection; calls not over by then count as lost. */
  timeoutSeconds: number;
  outDir: string;
  /** Admin URL of the PostgreSQL server on which the bench creates (and drops) its database. */
  adminDatabaseUrl: string;
  /** 'server': a database on `adminDatabaseUrl`'s server; 'embedded': PGlite in this process (as `npm start`). */
  database: 'server' | 'embedded';
  /** Use this (migrated on start) database instead of creating one. */
  databaseUrl?: string;
  /** Attach to this Temporal server instead of starting a dev server. */
  temporalAddress?: string;
  temporalNamespace: string;
  /**
   * 'one': worker, API, gateway, simulators and load in this process (default); 'separate': the
   * worker, the API and the gateway run as their own Node.js processes (`src/worker.ts`,
   * `src/server.ts`, `src/gateway.ts`), as in production.
   */
  processes: 'one' | 'separate';
  temporalDb: 'file' | 'memory';
  temporalDynamicConfig: string[];
  /** A prebuilt workflow bundle (the smoke test's); production bundles at start. */
  workflowBundlePath?: string;
  verbose: boolean;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const DEFAULTS: BenchOptions = {
  mode: 'steady',
  rate: 1,
  durationSeconds: 60,
  calls: 60,
  handoff: 'bridge',
  agentFormat: 'pcm_8000',
  conversationMs: 8_000,
  agentLatencyMs: 300,
  cloneLatencyMs: { min: 5_000, max: 20_000 },
  ttsLatencyMs: { min: 100, max: 300 },
  apiLatencyMs: { min: 5, max: 40 },
  talkEveryMs: 4_000,
  repeatShare: 0.3,
  internalShare: 0.05,
  sampleShare: 0.7,
  cachedShare: 0.3,
  seed: 1,
  logLevel: 'info',
  floorSamples: 100,
  breakdownCalls: 200,
  warmupCalls: 3,
  timeoutSeconds: 900,
  outDir: path.join(REPO_ROOT, 'bench-results'),
  adminDatabaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres',
  database: 'server',
  temporalNamespace: 'default',
  processes: 'one',
  temporalDb: 'file',
  temporalDynamicConfig: [],
  verbose: true,
};

/** Concurrent runs: every call must still be on the line when the last one is bridged. */
export function concurrentConversationMs(calls: number, rate: number): number {
  return Math.round((calls / rate) * 1000 + 60_000);
}

export const USAGE = `npm run bench -- [options]

Load (default: 1 call/s for 60 s):
  --rate <n>              callers dialling per second
  --duration <s>          seconds of steady load
  --calls <n>             calls in the steady run (default rate × duration)
  --burst <n>             n callers dial at once
  --concurrent <n>        n callers dial at --rate (default 5/s) and stay on long conversations (default
                          ramp + 60 s); jitter, CPU and memory are read while all n are bridged
Call path:
  --handoff <mode>        bridge (default) or sip (HANDOFF_MODE)
  --agent-format <f>      pcm_8000 (default, no resampling) or pcm_16000 (resampled both ways)
  --conversation <ms>     agent conversation length (default 8000)
  --agent-latency <ms>    sandbox agent's first-audio latency (default 300)
  --clone-latency <ms>    voice clone time, "20000" or "5000-20000" (default 5000-20000)
  --tts-latency <ms> --api-latency <ms>   other sandbox latencies (default 100-300 / 5-40)
  --talk-every <ms>       the caller says a short line this often (default 4000; 0 = silent)
Caller mix:
  --repeat-share <0..1>   share of calls from an earlier caller (default 0.3)
  --internal-share <0..1> share of new callers that are internal extensions (default 0.05)
  --sample-share <0..1>   share of new external callers with a voice sample (default 0.7)
  --cached-share <0..1>   share of those whose clone is already cached (default 0.3)
  --seed <n>              caller mix seed (default 1)
Service:
  --clone-max-wait <s>    CLONE_MAX_WAIT_SECONDS (default: the service default)
  --db-pool <n>           DATABASE_POOL_SIZE (default: the service default)
  --playback-lead <ms>    THREECX_PLAYBACK_LEAD_MS (default: the service default)
  --log-level <level>     service log level; logs go to bench-results/<run>.log (default info)
  --processes <layout>    one (default: everything in this process) or separate (worker, API and
                          gateway as their own processes, as in production)
  --database <kind>       server (default: a fresh database on BENCH_DATABASE_URL's server) or
                          embedded (PGlite, as npm start)
  --temporal-db <kind>    embedded dev server's SQLite: file (default, the npm start setup) or memory
  --temporal-config <k=v> embedded dev server dynamic config value (repeatable)
Run:
  --floor-samples <n>     samples per floor figure (default 100)
  --warmup <n>            unmeasured calls first (default 3)
  --breakdown <n>         histories read for the timing breakdown (default 200, 0 = none)
  --timeout <s>           whole-run limit (default 900)
  --out-dir <dir>         where <timestamp>.json goes (default bench-results/)
  --quiet                 no progress lines
Environment: BENCH_DATABASE_URL (admin URL; else TEST_DATABASE_URL's server; else
postgresql://postgres@127.0.0.1:5432/postgres); TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / DATABASE_URL
attach to existing services.`;

function positive(name: string, raw: string | undefined, integer = false): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  return n;
}

function nonNegativeInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}

function share(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${name} must be within 0..1, got ${raw}`);
  return n;
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`--${name} must be ${allowed.join(' or ')}, got ${raw}`);
  return raw as T;
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

const FLAGS = {
  rate: { type: 'string' },
  duration: { type: 'string' },
  calls: { type: 'string' },
  burst: { type: 'string' },
  concurrent: { type: 'string' },
  handoff: { type: 'string' },
  'agent-format': { type: 'string' },
  conversation: { type: 'string' },
  'agent-latency': { type: 'string' },
  'clone-latency': { type: 'string' },
  'tts-latency': { type: 'string' },
  'api-latency': { type: 'string' },
  'talk-every': { type: 'string' },
  'repeat-share': { type: 'string' },
  'internal-share': { type: 'string' },
  'sample-share': { type: 'string' },
  'cached-share': { type: 'string' },
  seed: { type: 'string' },
  'clone-max-wait': { type: 'string' },
  'db-pool': { type: 'string' },
  'playback-lead': { type: 'string' },
  'log-level': { type: 'string' },
  processes: { type: 'string' },
  database: { type: 'string' },
  'temporal-db': { type: 'string' },
  'temporal-config': { type: 'string', multiple: true },
  'floor-samples': { type: 'string' },
  warmup: { type: 'string' },
  breakdown: { type: 'string' },
  timeout: { type: 'string' },
  'out-dir': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Bench options from the command line; `env` carries what the caller read from the environment. */
export function parseBenchArgs(argv: string[], env: EnvSettings = {}): BenchOptions | 'help' {
  const { values } = parseArgs({ args: argv, strict: true, options: FLAGS });
  if (values.help) return 'help';
  const burst = positive('burst', values.burst, true);
  const concurrent = positive('concurrent', values.concurrent, true);
  if (burst !== undefined && concurrent !== undefined) throw new Error('--burst and --concurrent exclude each other');
  const mode = burst !== undefined ? 'burst' : concurrent !== undefined ? 'concurrent' : 'steady';
  const rate = positive('rate', values.rate) ?? (mode === 'concurrent' ? 5 : DEFAULTS.rate);
  const durationSeconds = positive('duration', values.duration) ?? DEFAULTS.durationSeconds;
  const calls = burst ?? concurrent ?? positive('calls', values.calls, true) ?? Math.max(1, Math.round(rate * durationSeconds));
  const temporalDynamicConfig = values['temporal-config'] ?? [];
  for (const kv of temporalDynamicConfig) {
    if (!/^[\w.]+=\S+$/.test(kv)) throw new Error(`--temporal-config must be key=value, got ${kv}`);
  }
  const concurrentMix = mode === 'concurrent' ? { repeatShare: 0, internalShare: 0, sampleShare: 1, cachedShare: 1 } : {};
  return {
    ...DEFAULTS,
    ...concurrentMix,
    mode,
    rate,
    durationSeconds,
    calls,
    handoff: oneOf('handoff', values.handoff, ['bridge', 'sip'], DEFAULTS.handoff),
    agentFormat: oneOf('agent-format', values['agent-format'], ['pcm_8000', 'pcm_16000'], DEFAULTS.agentFormat),
    conversationMs: positive('conversation', values.conversation) ?? (mode === 'concurrent' ? concurrentConversationMs(calls, rate) : DEFAULTS.conversationMs),
    agentLatencyMs: parseLatency('agent-latency', values['agent-latency']) ?? DEFAULTS.agentLatencyMs,
    cloneLatencyMs: parseLatency('clone-latency', values['clone-latency']) ?? DEFAULTS.cloneLatencyMs,
    ttsLatencyMs: parseLatency('tts-latency', values['tts-latency']) ?? DEFAULTS.ttsLatencyMs,
    apiLatencyMs: parseLatency('api-latency', values['api-latency']) ?? DEFAULTS.apiLatencyMs,
    talkEveryMs: nonNegativeInteger('talk-every', values['talk-every'], DEFAULTS.talkEveryMs),
    repeatShare: share('repeat-share', values['repeat-share']) ?? concurrentMix.repeatShare ?? DEFAULTS.repeatShare,
    internalShare: share('internal-share', values['internal-share']) ?? concurrentMix.internalShare ?? DEFAULTS.internalShare,
    sampleShare: share('sample-share', values['sample-share']) ?? concurrentMix.sampleShare ?? DEFAULTS.sampleShare,
    cachedShare: share('cached-share', values['cached-share']) ?? concurrentMix.cachedShare ?? DEFAULTS.cachedShare,
    seed: positive('seed', values.seed, true) ?? DEFAULTS.seed,
    cloneMaxWaitSeconds: positive('clone-max-wait', values['clone-max-wait']),
    dbPoolSize: positive('db-pool', values['db-pool'], true),
    playbackLeadMs: positive('playback-lead', values['playback-lead'], true),
    logLevel: values['log-level'] ?? DEFAULTS.logLevel,
    processes: oneOf('processes', values.processes, ['one', 'separate'], DEFAULTS.processes),
    database: oneOf('database', values.database, ['server', 'embedded'], DEFAULTS.database),
    temporalDb: oneOf('temporal-db', values['temporal-db'], ['file', 'memory'], DEFAULTS.temporalDb),
    temporalDynamicConfig,
    floorSamples: positive('floor-samples', values['floor-samples'], true) ?? DEFAULTS.floorSamples,
    warmupCalls: nonNegativeInteger('warmup', values.warmup, DEFAULTS.warmupCalls),
    breakdownCalls: nonNegativeInteger('breakdown', values.breakdown, DEFAULTS.breakdownCalls),
    timeoutSeconds: positive('timeout', values.timeout) ?? DEFAULTS.timeoutSeconds,
    outDir: path.resolve(values['out-dir'] ?? DEFAULTS.outDir),
    adminDatabaseUrl: env.benchDatabaseUrl ?? DEFAULTS.adminDatabaseUrl,
    temporalAddress: env.temporalAddress,
    temporalNamespace: env.temporalNamespace ?? DEFAULTS.temporalNamespace,
    databaseUrl: env.databaseUrl,
    verbose: !values.quiet,
  };
}
