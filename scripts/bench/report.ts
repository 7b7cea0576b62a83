import type { Breakdown } from './breakdown';
import type { FloorResult } from './floor';
import type { CallRecord, CloneRequest } from './collect';
import type { ResourceReport } from './monitor';
import type { ServerMetrics } from './server-metrics';
import type { BenchOptions } from './options';
import { addFloors, ratio, summarize, type Ratio, type Summary } from './stats';

export interface TargetResult {
  name: string;
  target: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not exercised';
}

export interface BenchCounts {
  sent: number;
  accepted: number;
  /** Non-2xx answers or transport errors, by status ('error' for no answer). */
  rejected: Record<string, number>;
  completed: number;
  failed: number;
  /** Why calls failed: CallOutcome.failureReason, or the workflow's close status. */
  failedByReason: Record<string, number>;
  fallbacks: number;
  fallbacksByReason: Record<string, number>;
  voiceSources: Record<string, number>;
  /** Two greeting or two agent requests at the sandbox for one call id. Must be 0. */
  duplicated: number;
  duplicatedGreetings: number;
  duplicatedAgentCalls: number;
  /** 2xx acknowledged but the workflow does not exist or never closed. Must be 0. */
  lost: number;
  lostNotFound: number;
  lostNotClosed: number;
  /** Accepted calls whose fate the server would not tell (describe/result kept failing). Must be 0. */
  unverified: number;
  /** POST /v1/voices/add requests; callers with more than one (retries after a failed or timed-out attempt). */
  cloneRequests: number;
  callersClonedMoreThanOnce: number;
  /** Callers with two clone requests in flight at the same time: single flight broken. Must be 0. */
  concurrentClonesForOneCaller: number;
  /** Clone requests the client gave up on (timeout or cancellation) before ElevenLabs answered. */
  cloneRequestsAbandoned: number;
  /** Most calls that were between webhook sent and workflow closed at one moment. */
  peakCallsInFlight: number;
  postCallWebhooks: { delivered: number; failedAttempts: number };
}

export interface BenchReport {
  schema: 'voiceclone-bench/1';
  runId: string;
  /** Stopped early (Ctrl-C): calls still running count as lost. */
  interrupted: boolean;
  startedAt: string;
  finishedAt: string;
  mode: BenchOptions['mode'];
  options: Omit<BenchOptions, 'adminDatabaseUrl' | 'databaseUrl'>;
  environment: {
    gitCommit: string | null;
    node: string;
    platform: string;
    cpuModel: string;
    cpuCount: number;
    memoryGb: number;
    temporal: string;
    database: string;
    workerAssembly: string;
    /** Busy cores of the machine in the 2 s before the run: load that is not the bench's. */
    backgroundBusyCores: number | null;
    inProcess: string;
    config: { cloneMaxWaitSeconds: number; cloneTimeoutSeconds: number; dbPoolSize: number; logLevel: string; elevenLabsRequestTimeoutMs: number };
  };
  mix: { distinctCallers: number; callersByKind: Record<string, number>; callsByKind: Record<string, number>; repeatCalls: number };
  counts: BenchCounts;
  latencyMs: {
    /** (a) client: webhook sent → HTTP response. */
    webhookAck: Summary;
    /** (b) webhook sent (client) → greeting outbound-call request received by the sandbox. */
    webhookToGreeting: Summary;
    /** (b') webhook received by the API (steps.received, ms resolution) → greeting request at the sandbox. */
    receivedToGreeting: Summary;
    /** (c) steps.voiceReady (workflow time) → agent outbound-call request at the sandbox. */
    voiceReadyToAgent: Summary;
    voiceReadyToAgentBySource: Record<string, Summary>;
    /** (d) webhook sent → workflow close time (describe().closeTime). */
    endToEnd: Summary;
  };
  floorMs: FloorResult & { startPlusActivity: Ratio };
  ratios: { webhookAckToBareStart: Ratio; webhookToGreetingToStartPlusActivity: Ratio; voiceReadyToAgentToActivity: Ratio };
  breakdownMs: Breakdown | null;
  /** The embedded Temporal server's own latency histograms over the measured phase (null when attached). */
  temporalServerMs: ServerMetrics | null;
  targets: TargetResult[];
  resources: ResourceReport;
  cleanupProblems: string[];
  files: { json: string; serviceLog: string };
  calls: CallRecord[];
}

function tally(values: (string | null | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) if (v) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function peakInFlight(calls: CallRecord[]): number {
  const events: [number, number][] = [];
  for (const c of calls) {
    if (c.endToEndMs === null && c.workflowStatus !== 'RUNNING') continue;
    events.push([c.sentAt, 1]);
    events.push([c.endToEndMs === null ? Number.POSITIVE_INFINITY : c.sentAt + c.endToEndMs, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (now += delta));
  return peak;
}

function overlapping(requests: CloneRequest[]): boolean {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  return sorted.some((r, i) => i > 0 && r.start < sorted[i - 1]!.end);
}

export function buildCounts(
  calls: CallRecord[],
  clonesByName: Map<string, CloneRequest[]>,
  deliveries: { delivered: boolean }[],
  cloneRequestsAbandoned: number,
): BenchCounts {
  const accepted = calls.filter((c) => c.httpStatus !== null && c.httpStatus >= 200 && c.httpStatus < 300);
  const closedOk = accepted.filter((c) => c.workflowStatus === 'COMPLETED');
  const failed = accepted.filter((c) => (c.workflowStatus === 'COMPLETED' && c.phase !== 'completed') || ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED', 'CONTINUED_AS_NEW'].includes(c.workflowStatus ?? ''));
  const lostNotFound = accepted.filter((c) => c.workflowStatus === 'NOT_FOUND').length;
  const lostNotClosed = accepted.filter((c) => c.workflowStatus === 'RUNNING' || c.workflowStatus === null).length;
  const duplicatedGreetings = calls.filter((c) => c.greetingRequests > 1).length;
  const duplicatedAgentCalls = calls.filter((c) => c.agentRequests > 1).length;
  const fallbacks = closedOk.filter((c) => c.fallbackReason);
  return {
    sent: calls.length,
    accepted: accepted.length,
    rejected: tally(calls.filter((c) => !accepted.includes(c)).map((c) => (c.httpStatus === null ? 'error' : String(c.httpStatus)))),
    completed: closedOk.filter((c) => c.phase === 'completed').length,
    failed: failed.length,
    failedByReason: tally(failed.map((c) => c.failureReason ?? (c.phase && c.phase !== 'completed' ? c.phase : c.workflowStatus))),
    fallbacks: fallbacks.length,
    fallbacksByReason: tally(fallbacks.map((c) => c.fallbackReason)),
    voiceSources: tally(closedOk.map((c) => c.voiceSource)),
    duplicated: calls.filter((c) => c.greetingRequests > 1 || c.agentRequests > 1).length,
    duplicatedGreetings,
    duplicatedAgentCalls,
    lost: lostNotFound + lostNotClosed,
    lostNotFound,
    lostNotClosed,
    unverified: accepted.filter((c) => c.workflowStatus === 'UNVERIFIED').length,
    cloneRequests: [...clonesByName.values()].reduce((a, b) => a + b.length, 0),
    callersClonedMoreThanOnce: [...clonesByName.values()].filter((r) => r.length > 1).length,
    concurrentClonesForOneCaller: [...clonesByName.values()].filter(overlapping).length,
    cloneRequestsAbandoned,
    peakCallsInFlight: peakInFlight(accepted),
    postCallWebhooks: { delivered: deliveries.filter((d) => d.delivered).length, failedAttempts: deliveries.filter((d) => !d.delivered).length },
  };
}

const values = (calls: CallRecord[], pick: (c: CallRecord) => number | null): number[] => calls.map(pick).filter((v): v is number => v !== null);

export function buildLatencies(calls: CallRecord[]): BenchReport['latencyMs'] {
  const sources = [...new Set(calls.map((c) => c.voiceSource).filter((s): s is string => s !== null))].sort();
  return {
    webhookAck: summarize(values(calls, (c) => c.ackMs)),
    webhookToGreeting: summarize(values(calls, (c) => c.webhookToGreetingMs)),
    receivedToGreeting: summarize(values(calls, (c) => c.receivedToGreetingMs)),
    voiceReadyToAgent: summarize(values(calls, (c) => c.voiceReadyToAgentMs)),
    voiceReadyToAgentBySource: Object.fromEntries(
      sources.map((s) => [s, summarize(values(calls.filter((c) => c.voiceSource === s), (c) => c.voiceReadyToAgentMs))]),
    ),
    endToEnd: summarize(values(calls, (c) => c.endToEndMs)),
  };
}

export function buildRatios(latency: BenchReport['latencyMs'], floor: FloorResult): { floor: BenchReport['floorMs']; ratios: BenchReport['ratios'] } {
  const startPlusActivity = addFloors(floor.bareStart, floor.activityRoundTrip);
  return {
    floor: { ...floor, startPlusActivity },
    ratios: {
      webhookAckToBareStart: ratio(latency.webhookAck, floor.bareStart),
      webhookToGreetingToStartPlusActivity: ratio(latency.webhookToGreeting, startPlusActivity),
      voiceReadyToAgentToActivity: ratio(latency.voiceReadyToAgent, floor.activityRoundTrip),
    },
  };
}

export function buildTargets(latency: BenchReport['latencyMs'], counts: BenchCounts): TargetResult[] {
  const p99 = (name: string, s: Summary, limit: number): TargetResult => ({
    name,
    target: `p99 ≤ ${limit} ms`,
    measured: s.p99 === null ? 'no samples' : `p99 ${s.p99} ms`,
    verdict: s.p99 === null ? 'not exercised' : s.p99 <= limit ? 'met' : 'missed',
  });
  const clean = counts.lost === 0 && counts.duplicated === 0 && counts.unverified === 0;
  return [
    p99('webhook ack', latency.webhookAck, 50),
    p99('webhook → greeting request', latency.webhookToGreeting, 100),
    p99('clone ready → agent-call request', latency.voiceReadyToAgent, 250),
    {
      name: '300 calls in flight',
      target: '≥ 300 in flight, 0 lost, 0 duplicated',
      measured: `peak ${counts.peakCallsInFlight} in flight, ${counts.lost} lost, ${counts.duplicated} duplicated`,
      verdict: !clean ? 'missed' : counts.peakCallsInFlight >= 300 ? 'met' : 'not exercised',
    },
  ];
}

const fmt = (n: number | null): string => (n === null ? '–' : n >= 1000 ? n.toFixed(0) : n.toFixed(1));
const fmtRatio = (r: Ratio | undefined): string => (r ? `${fmt(r.p50)}× / ${fmt(r.p95)}× / ${fmt(r.p99)}×` : '');
const pad = (s: string, n: number, right = false): string => (right ? s.padStart(n) : s.padEnd(n));

export function formatReport(report: BenchReport): string {
  const l = report.latencyMs;
  const f = report.floorMs;
  const rows: [string, Summary, string][] = [
    ['(a) webhook ack', l.webhookAck, fmtRatio(report.ratios.webhookAckToBareStart)],
    ['(b) webhook sent → greeting req', l.webhookToGreeting, fmtRatio(report.ratios.webhookToGreetingToStartPlusActivity)],
    ["(b') API received → greeting req", l.receivedToGreeting, ''],
    ['(c) voice ready → agent req', l.voiceReadyToAgent, fmtRatio(report.ratios.voiceReadyToAgentToActivity)],
    ...Object.entries(l.voiceReadyToAgentBySource).map(([s, sum]): [string, Summary, string] => [`    voice from ${s}`, sum, '']),
    ['(d) webhook sent → call closed', l.endToEnd, ''],
    ['floor: bare workflow start', f.bareStart, ''],
    ['floor: empty activity round trip', f.activityRoundTrip, ''],
  ];
  const b = report.breakdownMs;
  if (b) {
    rows.push(['breakdown: history events per call', b.historyEventsPerCall, '']);
    rows.push(['  API received → wf started', b.apiReceivedToWorkflowStarted, '']);
    rows.push(['  workflow task schedule → start', b.workflowTask.scheduleToStart, '']);
    rows.push(['  workflow task start → complete', b.workflowTask.startToComplete, '']);
    for (const [type, a] of Object.entries(b.activities)) {
      rows.push([`  ${type} sched → start`, a.scheduleToStart, '']);
      rows.push([`  ${type} start → close`, a.startToClose, '']);
    }
    rows.push(['  playGreeting start → POST seen', b.greetingActivityStartToRequest, '']);
    rows.push(['  transferToAgent start → POST seen', b.agentActivityStartToRequest, '']);
  }
  const header = `${pad('figure (ms)', 34)}${pad('n', 6, true)}${pad('p50', 9, true)}${pad('p95', 9, true)}${pad('p99', 9, true)}${pad('max', 9, true)}   ratio to floor p50/p95/p99`;
  const lines = rows.map(
    ([name, s, r]) => `${pad(name, 34)}${pad(String(s.count), 6, true)}${pad(fmt(s.p50), 9, true)}${pad(fmt(s.p95), 9, true)}${pad(fmt(s.p99), 9, true)}${pad(fmt(s.max), 9, true)}   ${r}`,
  );
  const c = report.counts;
  const res = report.resources;
  const kv = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const mode = report.mode === 'burst' ? `burst of ${report.options.calls}` : `steady ${report.options.rate}/s × ${report.options.durationSeconds}s (${report.options.calls} calls)`;
  return [
    `VoiceClone Pre-Call bench — ${mode}, clone latency ${JSON.stringify(report.options.cloneLatencyMs)} ms, run ${report.runId}`,
    `worker: ${report.environment.workerAssembly}`,
    ...(report.interrupted ? ['INTERRUPTED: the load stopped early; calls still running are counted as lost'] : []),
    '',
    header,
    '-'.repeat(header.length),
    ...lines,
    '',
    `calls: sent ${c.sent}, accepted ${c.accepted}, rejected {${kv(c.rejected)}}, completed ${c.completed}, failed ${c.failed} {${kv(c.failedByReason)}}`,
    `voice: {${kv(c.voiceSources)}}, fallbacks ${c.fallbacks} {${kv(c.fallbacksByReason)}}`,
    `correctness: duplicated ${c.duplicated} (greetings ${c.duplicatedGreetings}, agent calls ${c.duplicatedAgentCalls}), lost ${c.lost} (not found ${c.lostNotFound}, not closed ${c.lostNotClosed}), unverified ${c.unverified}, clone requests ${c.cloneRequests} (callers cloned more than once ${c.callersClonedMoreThanOnce}, concurrently ${c.concurrentClonesForOneCaller}; abandoned by the client ${c.cloneRequestsAbandoned}), peak in flight ${c.peakCallsInFlight}`,
    `machine busy before the run: ${report.environment.backgroundBusyCores ?? 'n/a'} cores (load that is not the bench's)`,
    `resources (measured phase ${(res.wallMs / 1000).toFixed(1)} s): ` +
      (res.serviceProcessesCpu
        ? `worker + API processes CPU ${res.serviceProcessesCpu.totalMs} ms (${res.serviceProcessesCpu.cores} cores avg), this process [sandbox + load generator + floor worker] ${res.processCpu.totalMs} ms (${res.processCpu.cores} cores), `
        : `this process [worker + API + sandbox + load generator] CPU ${res.processCpu.totalMs} ms (${res.processCpu.cores} cores avg), `) +
      `Temporal server ${res.temporalServerCpu ? `${res.temporalServerCpu.totalMs} ms (${res.temporalServerCpu.cores} cores)` : 'n/a'}, ` +
      `PostgreSQL ${res.postgresCpu ? `${res.postgresCpu.totalMs} ms (${res.postgresCpu.cores} cores)` : 'n/a'}, machine busy ${res.machineBusyCores ?? 'n/a'} of ${res.cpuCount} cores, ` +
      `peak RSS ${res.serviceProcessesPeakRssMb !== null ? `worker + API ${res.serviceProcessesPeakRssMb} MB, this process ` : ''}${res.peakRssMb} MB, event-loop delay p99 ${res.eventLoopDelayMs.p99} ms (max ${res.eventLoopDelayMs.max})`,
    ...(report.temporalServerMs
      ? [
          '',
          `Temporal server time over the measured phase (${(report.temporalServerMs.wallMs / 1000).toFixed(1)} s): ${report.temporalServerMs.persistence.requests} persistence requests ` +
            `(${(report.temporalServerMs.persistence.requests / Math.max(1, c.accepted)).toFixed(1)} per call) taking ${(report.temporalServerMs.persistence.totalMs / 1000).toFixed(1)} s; largest totals:`,
          ...report.temporalServerMs.top
            .slice(0, 10)
            .map((t) => `  ${pad(`${t.metric} ${t.service} ${t.operation}`, 70)}${pad(String(t.count), 8, true)} × ${pad(t.meanMs.toFixed(1), 8, true)} ms = ${(t.totalMs / 1000).toFixed(1)} s`),
        ]
      : []),
    '',
    'targets:',
    ...report.targets.map((t) => `  ${pad(t.verdict.toUpperCase(), 14)}${pad(t.name, 36)}${pad(t.target, 40)}${t.measured}`),
    '',
    `results: ${report.files.json}`,
    `service log: ${report.files.serviceLog}`,
    ...(report.cleanupProblems.length ? ['cleanup problems:', ...report.cleanupProblems.map((p) => `  ${p}`)] : []),
  ].join('\n');
}
