import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { synthesizeSpeech } from '../../simulators/audio';
import { readRouteTiming, type RouteTiming } from './api-metrics';
import { buildBreakdown, type Breakdown } from './breakdown';
import { ClockSkew } from './clock';
import { cachedVoiceIds, registerCallers } from './callers';
import { collectCalls, type Collected } from './collect';
import { buildConcurrency, type ConcurrencyReport } from './concurrency';
import { buildCounts } from './counts';
import { measureEarFloor, type EarFloor } from './ear-floor';
import { buildJitter, buildLatencies, buildStages } from './figures';
import { measureFloor, type FloorResult } from './floor';
import { probeGateway, type GatewayProbe } from './gateway-probe';
import { firstAudioMs } from './heard';
import { callerTalk, drive, placeCall, sleep, waitForCallsToEnd, type PlacedCall } from './load';
import { readGatewayHistogramSum, sampleGatewayMemory } from './memory';
import { startMonitor, type ResourceReport, type Sample } from './monitor';
import { DEFAULTS, concurrentConversationMs, type BenchOptions } from './options';
import { observeGc } from './pauses';
import { planCalls, type CallPlan } from './plan';
import { loadAverage, sampleMachineBusy } from './proc';
import { buildRatios, type BenchReport } from './report';
import { serverScraper, type ServerMetrics } from './server-metrics';
import { GREETING_VOICE } from './simulators';
import { stallSources, type StallSources } from './stall-sources';
import { startBenchStack, type BenchStack } from './stack';
import { buildTargets } from './targets';
import { waitForWorkflows, workflowFates } from './workflows';

export type { BenchOptions } from './options';
export type { BenchReport } from './report';
export { formatReport } from './format';

/** The commit measured (read-only; the working tree may hold uncommitted changes). */
function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function resolveOptions(overrides: Partial<BenchOptions>): BenchOptions {
  const merged = { ...DEFAULTS, ...overrides };
  if (overrides.calls === undefined && merged.mode === 'steady') merged.calls = Math.max(1, Math.round(merged.rate * merged.durationSeconds));
  if (overrides.conversationMs === undefined && merged.mode === 'concurrent') merged.conversationMs = concurrentConversationMs(merged.calls, merged.rate);
  return merged;
}

/**
 * Unmeasured calls from an internal extension (no clone), hanging up once the agent spoke, so
 * pools, connections and code paths are warm: the first alone (the cold path right after
 * start-up), then the rest together. Returns each one's Upsert → first greeting byte.
 */
async function warmUp(stack: BenchStack, count: number, greetingMs: number, deadline: number, signal?: AbortSignal): Promise<(number | null)[]> {
  const caller = { number: '199', e164: null, kind: 'internal' as const };
  const until = Math.min(deadline, Date.now() + 120_000);
  const place = (i: number) => placeCall(stack.sims.pbx, stack.config.threecx.pbx, { index: -1 - i, caller, repeat: false, offsetMs: 0 }, undefined, greetingMs + 2_000);
  const settle = async (calls: PlacedCall[]) => {
    await waitForCallsToEnd(calls, until, signal);
    await waitForWorkflows(stack.client, stack.config.temporal.taskQueue, calls.map((c) => c.workflowId), until, signal);
  };
  const calls: PlacedCall[] = [];
  if (count > 0) {
    calls.push(place(0));
    await settle(calls);
  }
  const rest = Array.from({ length: Math.max(0, count - 1) }, (_, i) => place(i + 1));
  await settle(rest);
  return [...calls, ...rest].map(({ call }) => {
    const upsert = stack.sims.pbx.events.find((e) => e.eventType === 0 && e.entity.endsWith(`/participants/${call.participantId}`))?.at;
    const first = firstAudioMs(call.heardPcm());
    return upsert === undefined || first === null ? null : Math.round((call.startedAt + first - upsert) * 10) / 10;
  });
}

/** On an attached server, nothing of the run may keep running once its worker is gone. */
async function terminateLeftovers(client: Client, taskQueue: string): Promise<void> {
  let n = 0;
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('benchmark finished').catch(() => undefined);
    if (++n >= 10_000) break;
  }
}

/** Memory is read this long before the first call (baseline) and after the last one (what calls leave behind). */
export const MEMORY_SETTLE_MS = 4_000;

interface Measured {
  floor: FloorResult & EarFloor;
  warmupGreetingMs: (number | null)[];
  placed: PlacedCall[];
  collected: Collected;
  sources: StallSources;
  initWebhookServer: RouteTiming | null;
  /** `--processes separate`: the gateway's own stall total (its metrics). */
  gatewayStallMs: number | null;
  resources: ResourceReport;
  samples: Sample[];
  server: ServerMetrics | null;
  breakdown: Breakdown | null;
  concurrency: ConcurrencyReport | null;
}

/** Floors, warm-up, the load, the wait for every call, and the collection, on a running stack. */
async function measure(stack: BenchStack, options: BenchOptions, plan: CallPlan, greetingMs: number, deadline: number, progress: (m: string) => void, signal?: AbortSignal): Promise<Measured> {
  // Start-up work (bundling, schedule creation, namespace caches) settles before anything is measured.
  await sleep(2_000, signal);
  const earFloor = await measureEarFloor(Math.min(options.floorSamples, 50));
  const temporalFloor = await measureFloor(stack.client, stack.floor, options.floorSamples, deadline, signal);
  const floor = { ...temporalFloor, ...earFloor };
  progress(`floor: Upsert → ear ${earFloor.upsertGetToEar.p50} ms, bare start ${floor.bareStart.p50} ms, remote activity round trip ${floor.remoteActivityRoundTrip.p50} ms (p50)`);

  const probe: GatewayProbe | null = stack.gateway ? probeGateway(stack.gateway) : null;
  const clock = new ClockSkew();
  const gc = observeGc();
  const memory = sampleGatewayMemory(stack.gatewayMetricsUrl, 500);
  try {
    const warmupGreetingMs = await warmUp(stack, options.warmupCalls, greetingMs, deadline, signal);
    // Memory before the first call: the baseline of the per-call figures.
    if (options.mode === 'concurrent') await sleep(MEMORY_SETTLE_MS, signal);
    progress(options.mode === 'burst' ? `${options.calls} callers dial at once` : `${options.calls} callers dial at ${options.rate}/s`);
    const scraper = serverScraper(stack.temporal.metricsUrl);
    await scraper.begin();
    const monitor = startMonitor(stack.processes ?? {});
    const loadStartedAt = Date.now();
    const placed = await drive(stack.sims.pbx, stack.config.threecx.pbx, plan, callerTalk(options.talkEveryMs), deadline, signal);
    await waitForCallsToEnd(placed, deadline, signal, (live) => progress(`${live} calls still on the line`));
    const loadEndedAt = Date.now();
    const ids = placed.map((c) => c.workflowId);
    await waitForWorkflows(stack.client, stack.config.temporal.taskQueue, ids, deadline, signal, (running) => progress(`${running} call workflows still running`));
    const resources = monitor.stop();
    const server = await scraper.end();
    const stallSeconds = await readGatewayHistogramSum(stack.gatewayMetricsUrl, 'gateway_bridge_stall_seconds');
    const initWebhookServer = options.handoff === 'sip' ? await readRouteTiming(stack.apiUrl, '/webhook/elevenlabs/conversation-init') : null;
    // Memory after the calls: what they leave behind.
    if (options.mode === 'concurrent') await sleep(loadEndedAt + MEMORY_SETTLE_MS - Date.now(), signal);
    const fates = await workflowFates(stack.client, ids);
    clock.stop();
    const collected = collectCalls({ calls: placed, fates, sims: stack.sims, probe, greetingMs, clock });
    const breakdown = options.breakdownCalls > 0 ? await buildBreakdown(stack.client, collected.records, options.breakdownCalls, clock) : null;
    // Readings are stamped with the wall clock, GC pauses and stalls with the monotonic one.
    const readings = memory.readings.map((m) => ({ ...m, at: clock.toMonotonic(m.at) }));
    const sources = stallSources(collected.records, gc.pauses, readings, clock.toMonotonic(loadStartedAt), clock.toMonotonic(loadEndedAt));
    const concurrency =
      options.mode === 'concurrent'
        ? buildConcurrency({ calls: collected.records, samples: monitor.samples, memory: memory.readings, cpuProcess: stack.processes ? 'gateway' : 'bench', loadStartedAt, loadEndedAt, settleMs: MEMORY_SETTLE_MS })
        : null;
    if (options.temporalAddress) await terminateLeftovers(stack.client, stack.config.temporal.taskQueue).catch(() => undefined);
    return { floor, warmupGreetingMs, placed, collected, sources, initWebhookServer, gatewayStallMs: stallSeconds === null ? null : Math.round(stallSeconds * 1000), resources, samples: monitor.samples, server, breakdown, concurrency };
  } finally {
    probe?.stop();
    gc.stop();
    clock.stop();
    memory.stop();
  }
}

/**
 * Runs the benchmark end to end: starts (or attaches to) the stack, measures the floors, drives
 * callers through the simulated PBX, waits for every call, collects the figures, cleans up
 * (always), and writes `<outDir>/<runId>.json`.
 */
export async function runBench(overrides: Partial<BenchOptions> = {}, signal?: AbortSignal): Promise<BenchReport> {
  const options = resolveOptions(overrides);
  const progress = options.verbose ? (m: string) => console.error(`[bench] ${m}`) : () => undefined;
  const startedAt = new Date();
  const runId = startedAt.toISOString().replace(/[:.]/g, '-');
  const deadline = startedAt.getTime() + options.timeoutSeconds * 1000;

  const loadAverageBefore = loadAverage();
  const backgroundBusyCores = await sampleMachineBusy(2_000);
  progress(`starting the stack (run ${runId}); machine busy beforehand: ${backgroundBusyCores ?? 'n/a'} cores, load average ${loadAverageBefore?.join(' ') ?? 'n/a'}`);
  const plan = planCalls(options);
  const cached = cachedVoiceIds(plan.callers);
  const stack = await startBenchStack(options, runId, cached.values());
  const greetingMs = synthesizeSpeech(GREETING_VOICE, stack.config.greeting.message).length / 16;
  let measured: Measured;
  let cleanupProblems: string[];
  try {
    progress(`stack up: ${stack.describe.assembly}; ${stack.describe.temporal}; ${stack.describe.database}`);
    await registerCallers(stack.prisma, stack.samplesDir, plan.callers, cached, stack.config.cache.ttlSeconds);
    measured = await measure(stack, options, plan, greetingMs, deadline, progress, signal);
  } finally {
    progress('stopping the stack');
    cleanupProblems = await stack.stop();
  }

  const records = measured.collected.records;
  const latencyMs = buildLatencies(records);
  const jitterMs = buildJitter(records, measured.collected, measured.gatewayStallMs);
  const counts = buildCounts(records, stack.sims.sandbox.requests, stack.sims.sandbox.webhookDeliveries);
  const { adminDatabaseUrl: _admin, databaseUrl: _db, ...publicOptions } = options;
  mkdirSync(options.outDir, { recursive: true });
  const json = path.join(options.outDir, `${runId}.json`);
  const tally = (keys: string[]) => keys.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});
  const report: BenchReport = {
    schema: 'voiceclone-bench/2',
    runId,
    interrupted: signal?.aborted ?? false,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: options.mode,
    options: publicOptions,
    environment: {
      gitCommit: gitCommit(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cpuCount: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      temporal: stack.describe.temporal,
      database: stack.describe.database,
      assembly: stack.describe.assembly,
      backgroundBusyCores,
      loadAverageBefore,
      greetingMs,
      config: {
        playbackLeadMs: stack.config.threecx.playbackLeadMs,
        cloneMaxWaitSeconds: stack.config.call.cloneMaxWaitSeconds,
        handoffMode: stack.config.handoff.mode,
        agentFormat: options.agentFormat,
        agentLatencyMs: options.agentLatencyMs,
        conversationMs: options.conversationMs,
      },
    },
    mix: {
      distinctCallers: plan.callers.length,
      callersByKind: tally(plan.callers.map((c) => c.kind)),
      callsByKind: tally(plan.calls.map((c) => c.caller.kind)),
      repeatCalls: plan.calls.filter((c) => c.repeat).length,
    },
    counts,
    latencyMs,
    jitterMs,
    stagesMs: buildStages(records, options.handoff),
    initWebhookServerMs: measured.initWebhookServer,
    stallSources: measured.sources,
    floorMs: measured.floor,
    warmupGreetingMs: measured.warmupGreetingMs,
    ratios: buildRatios(latencyMs, measured.floor),
    concurrency: measured.concurrency,
    breakdownMs: measured.breakdown,
    temporalServerMs: measured.server,
    targets: buildTargets(options, latencyMs, jitterMs, counts, measured.concurrency),
    resources: measured.resources,
    cleanupProblems,
    files: { json, serviceLog: stack.logFile },
    calls: records,
  };
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
