import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { buildBreakdown, type Breakdown } from './breakdown';
import { collectCalls, indexSandboxLog, waitForCalls, type CallRecord, type CloneRequest } from './collect';
import { measureFloor, type FloorResult } from './floor';
import { createSender, drive, planCalls, registerCallers, sleep, type CallPlan, type PlannedCall, type Sender, type SentCall } from './load';
import { sampleMachineBusy, startMonitor, type ResourceReport } from './monitor';
import { DEFAULTS, type BenchOptions } from './options';
import { buildCounts, buildLatencies, buildRatios, buildTargets, type BenchReport } from './report';
import { serverScraper, type ServerMetrics } from './server-metrics';
import { startBenchStack, type BenchStack } from './stack';

export type { BenchOptions } from './options';
export type { BenchReport } from './report';
export { formatReport } from './report';

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
  return merged;
}

/** Unmeasured calls from an internal extension (no clone), so pools and connections are warm. */
async function warmUp(stack: BenchStack, sender: Sender, plan: CallPlan, count: number, deadline: number, signal?: AbortSignal): Promise<void> {
  if (count === 0) return;
  const calls: PlannedCall[] = Array.from({ length: count }, (_, i) => ({
    index: -1 - i,
    threecxCallId: `warmup-${i + 1}`,
    callId: `call-${plan.pbx}-warmup-${i + 1}`,
    caller: { raw: '199', e164: null, kind: 'internal' },
    repeat: false,
    offsetMs: 0,
  }));
  const sent = await Promise.all(calls.map((c) => sender.send(c)));
  const refused = sent.find((s) => s.status !== 202);
  if (refused) throw new Error(`warm-up webhook was not accepted: ${refused.status ?? refused.error}`);
  await waitForCalls(stack.client, stack.config.temporal.taskQueue, calls.map((c) => c.callId), Math.min(deadline, Date.now() + 120_000), signal);
}

/** On an attached server, nothing of the run may keep running once its worker is gone. */
async function terminateLeftovers(client: Client, taskQueue: string): Promise<void> {
  let n = 0;
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('benchmark finished').catch(() => undefined);
    if (++n >= 10_000) break;
  }
}

/**
 * Runs the benchmark end to end: starts (or attaches to) the stack, measures the floor, drives
 * the load, waits for every call, collects the figures, cleans up (always), and writes
 * `<outDir>/<runId>.json`.
 */
export async function runBench(overrides: Partial<BenchOptions> = {}, signal?: AbortSignal): Promise<BenchReport> {
  const options = resolveOptions(overrides);
  const progress = options.verbose ? (m: string) => console.error(`[bench] ${m}`) : () => undefined;
  const startedAt = new Date();
  const runId = startedAt.toISOString().replace(/[:.]/g, '-');
  const deadline = startedAt.getTime() + options.timeoutSeconds * 1000;

  const backgroundBusyCores = await sampleMachineBusy(2_000);
  progress(`starting the stack (run ${runId}); machine busy beforehand: ${backgroundBusyCores ?? 'n/a'} cores`);
  const stack = await startBenchStack(options, runId);
  let sender: Sender | undefined;
  let floor: FloorResult;
  let plan: CallPlan;
  let sent: SentCall[];
  let resources: ResourceReport;
  let calls: CallRecord[];
  let clonesByName: Map<string, CloneRequest[]>;
  let cloneRequestsAbandoned: number;
  let deliveries: { delivered: boolean }[];
  let breakdown: Breakdown | null = null;
  let server: ServerMetrics | null;
  const cleanupProblems: string[] = [];
  try {
    progress(`stack up: API ${stack.apiUrl}, Temporal ${stack.describe.temporal}, ${stack.describe.database}`);
    // Start-up work (bundling, schedule creation, namespace caches) settles before anything is measured.
    await sleep(2_000, signal);
    floor = await measureFloor(stack.client, stack.floor.taskQueue, options.floorSamples, deadline, signal);
    progress(`floor: bare start p50 ${floor.bareStart.p50} ms, empty activity round trip p50 ${floor.activityRoundTrip.p50} ms`);

    plan = planCalls(options, `bench-${randomBytes(3).toString('hex')}.local`);
    await registerCallers(stack.prisma, stack.samplesDir, plan.callers, stack.config.cache.ttlSeconds);
    sender = createSender(stack.apiUrl, stack.threecxSecret, plan.pbx);
    await warmUp(stack, sender, plan, options.warmupCalls, deadline, signal);
    progress(
      options.mode === 'burst' ? `sending ${options.calls} webhooks at once` : `sending ${options.calls} webhooks at ${options.rate}/s`,
    );

    const scraper = serverScraper(stack.serverMetricsUrl);
    await scraper.begin();
    const monitor = startMonitor();
    sent = await drive(plan, sender, deadline, signal);
    const accepted = sent.filter((s) => s.status !== null && s.status >= 200 && s.status < 300).map((s) => s.call.callId);
    progress(`${sent.length} sent, ${accepted.length} accepted; waiting for the calls to close`);
    await waitForCalls(stack.client, stack.config.temporal.taskQueue, accepted, deadline, signal, (running) => progress(`${running} calls still running`));
    resources = monitor.stop();
    server = await scraper.end();

    const index = indexSandboxLog(stack.sandbox.requests);
    clonesByName = index.clonesByName;
    cloneRequestsAbandoned = stack.sandbox.requests.filter((r) => r.endpoint === 'voices.add' && r.clientAborted === true).length;
    deliveries = stack.sandbox.webhookDeliveries.map((d) => ({ delivered: d.delivered }));
    calls = await collectCalls(stack.client, sent, index.calls);
    if (options.breakdownCalls > 0) breakdown = await buildBreakdown(stack.client, calls, index.calls, options.breakdownCalls);
    if (options.temporalAddress) await terminateLeftovers(stack.client, stack.config.temporal.taskQueue).catch(() => undefined);
  } finally {
    await sender?.close().catch(() => undefined);
    progress('stopping the stack');
    cleanupProblems.push(...(await stack.stop()));
  }

  const latencyMs = buildLatencies(calls);
  const counts = buildCounts(calls, clonesByName, deliveries, cloneRequestsAbandoned);
  const { floor: floorMs, ratios } = buildRatios(latencyMs, floor);
  const { adminDatabaseUrl: _admin, databaseUrl: _db, ...publicOptions } = options;
  mkdirSync(options.outDir, { recursive: true });
  const json = path.join(options.outDir, `${runId}.json`);
  const report: BenchReport = {
    schema: 'voiceclone-bench/1',
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
      workerAssembly: stack.describe.workerAssembly,
      backgroundBusyCores,
      inProcess: 'worker, API, ElevenLabs sandbox and load generator share this Node.js process; Temporal and PostgreSQL are separate processes on the same machine',
      config: {
        cloneMaxWaitSeconds: stack.config.call.cloneMaxWaitSeconds,
        cloneTimeoutSeconds: stack.config.clone.timeoutSeconds,
        dbPoolSize: stack.config.database.poolSize,
        logLevel: stack.config.logLevel,
        elevenLabsRequestTimeoutMs: stack.config.elevenlabs.requestTimeoutMs,
      },
    },
    mix: {
      distinctCallers: plan.callers.length,
      callersByKind: plan.callers.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.kind]: (acc[c.kind] ?? 0) + 1 }), {}),
      callsByKind: plan.calls.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.caller.kind]: (acc[c.caller.kind] ?? 0) + 1 }), {}),
      repeatCalls: plan.calls.filter((c) => c.repeat).length,
    },
    counts,
    latencyMs,
    floorMs,
    ratios,
    breakdownMs: breakdown,
    temporalServerMs: server,
    targets: buildTargets(latencyMs, counts),
    resources,
    cleanupProblems,
    files: { json, serviceLog: stack.logFile },
    calls,
  };
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
