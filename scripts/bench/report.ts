import type { RouteTiming } from './api-metrics';
import type { Breakdown } from './breakdown';
import type { CallRecord } from './collect';
import type { ConcurrencyReport } from './concurrency';
import type { BenchCounts } from './counts';
import type { EarFloor } from './ear-floor';
import type { Jitter, Latencies } from './figures';
import type { FloorResult } from './floor';
import type { ResourceReport } from './monitor';
import type { BenchOptions } from './options';
import type { ServerMetrics } from './server-metrics';
import type { StallSources } from './stall-sources';
import { ratio, type Ratio, type Summary } from './stats';
import type { TargetResult } from './targets';

export interface BenchReport {
  schema: 'voiceclone-bench/2';
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
    assembly: string;
    /** Busy cores of the machine in the 2 s before the run, and the load averages then: load that is not the bench's. */
    backgroundBusyCores: number | null;
    loadAverageBefore: [number, number, number] | null;
    greetingMs: number;
    config: { playbackLeadMs: number; cloneMaxWaitSeconds: number; handoffMode: string; agentFormat: string; agentLatencyMs: BenchOptions['agentLatencyMs']; conversationMs: number };
  };
  mix: { distinctCallers: number; callersByKind: Record<string, number>; callsByKind: Record<string, number>; repeatCalls: number };
  counts: BenchCounts;
  latencyMs: Latencies;
  jitterMs: Jitter;
  stallSources: StallSources;
  /** SIP: the conversation-init route as the API's own histogram timed it (the sandbox times it from outside). */
  initWebhookServerMs: RouteTiming | null;
  /** Each stage's time after the figure's start (greeting: the Upsert; hand-off: max(voice ready, greeting end) or voice ready). */
  stagesMs: { greeting: Record<string, Summary>; handoff: Record<string, Summary> };
  floorMs: FloorResult & EarFloor;
  /** Upsert → first greeting byte of the unmeasured warm-up calls, in order: the first is the cold path after start-up. */
  warmupGreetingMs: (number | null)[];
  ratios: { greetingToEarFloor: Ratio; handoffToRemoteActivity: Ratio };
  concurrency: ConcurrencyReport | null;
  breakdownMs: Breakdown | null;
  /** The embedded Temporal server's own latency histograms over the measured phase (null when attached). */
  temporalServerMs: ServerMetrics | null;
  targets: TargetResult[];
  resources: ResourceReport;
  cleanupProblems: string[];
  files: { json: string; serviceLog: string };
  calls: CallRecord[];
}

export function buildRatios(latency: Latencies, floor: FloorResult & EarFloor): BenchReport['ratios'] {
  return {
    greetingToEarFloor: ratio(latency.upsertToGreeting, floor.upsertGetToEar),
    handoffToRemoteActivity: ratio(latency.voiceReadyAfterGreetingToAgent, floor.remoteActivityRoundTrip),
  };
}
