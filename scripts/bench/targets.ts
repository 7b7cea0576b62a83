import type { BenchCounts } from './counts';
import type { ConcurrencyReport } from './concurrency';
import type { Jitter, Latencies } from './figures';
import type { BenchOptions } from './options';
import type { Summary } from './stats';

export interface TargetResult {
  name: string;
  target: string;
  measured: string;
  verdict: 'met' | 'missed' | 'not exercised';
}

const p99 = (name: string, s: Summary, limit: number, unit = 'ms'): TargetResult => ({
  name,
  target: `p99 ≤ ${limit} ${unit}`,
  measured: s.p99 === null ? 'no samples' : `p99 ${s.p99} ${unit} (p50 ${s.p50}, ${s.count} samples)`,
  verdict: s.p99 === null ? 'not exercised' : s.p99 <= limit ? 'met' : 'missed',
});

const count = (name: string, n: number, exercised: boolean): TargetResult => ({
  name,
  target: '0',
  measured: String(n),
  verdict: !exercised ? 'not exercised' : n === 0 ? 'met' : 'missed',
});

/** The upper end of the sandbox agent's configured first-audio latency. */
export function configuredAgentLatency(options: Pick<BenchOptions, 'agentLatencyMs'>): number {
  const l = options.agentLatencyMs;
  return typeof l === 'number' ? l : Math.max(l.min, l.max);
}

/**
 * The issues' targets (11: greeting; 12: hand-off, init webhook, 100 bridged calls). The greeting
 * target is 100 ms at 1 call/s and 1 s at 10 calls/s; rates in between are held to the 1 s line.
 */
export function buildTargets(options: BenchOptions, latency: Latencies, jitter: Jitter, counts: BenchCounts, concurrency: ConcurrencyReport | null): TargetResult[] {
  const calm = options.mode === 'steady' && options.rate <= 1;
  const agentLimit = 300 + configuredAgentLatency(options);
  const targets: TargetResult[] = [
    p99(calm ? 'Upsert → first greeting byte (1 call/s)' : 'Upsert → first greeting byte (loaded)', latency.upsertToGreeting, calm ? 100 : 1000),
    p99(`voice ready → agent at caller${calm ? '' : ' (1/s target, loaded run)'}`, latency.voiceReadyToAgent, agentLimit),
  ];
  if (options.handoff === 'sip') targets.push(p99('conversation-init webhook', latency.initWebhook, 50));
  if (options.handoff === 'bridge') targets.push(p99('caller-side jitter (agent audio)', jitter.frameLateness, 40));
  targets.push(count('calls dropped', counts.dropped, counts.placed > 0));
  targets.push(count('calls lost', counts.lost, counts.placed > 0), count('calls duplicated', counts.duplicated, counts.placed > 0));
  if (concurrency) {
    const all = concurrency.peakBridged === concurrency.calls;
    targets.push({
      name: `${concurrency.calls} bridged at once`,
      target: `${concurrency.calls} live together`,
      measured: `${concurrency.peakBridged} at peak${concurrency.window ? ` for ${concurrency.window.seconds} s` : ''}`,
      verdict: all ? 'met' : 'missed',
    });
  }
  return targets;
}
