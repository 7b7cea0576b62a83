import type { CallRecord } from './collect';
import { meanIn, type MemoryReading } from './memory';
import { cpuInWindow, type Sample } from './monitor';

export interface ConcurrencyReport {
  calls: number;
  peakBridged: number;
  /** The span in which the most calls were bridged at once (all of them, when every call got through). */
  window: { from: number; to: number; seconds: number } | null;
  bridgedCallSeconds: number;
  /** The process that bridges (`gateway`, or `bench` = everything when in one process). */
  cpuProcess: string;
  /** CPU of that process in the window ÷ (bridged calls × window seconds). */
  cpuMsPerBridgedCallSecond: number | null;
  /** The same process's CPU over the whole run ÷ all bridged call-seconds (holds, hand-offs and ends included). */
  cpuMsPerBridgedCallSecondWholeRun: number | null;
  /** That process's memory in the window minus before the first call, per bridged call (MB). */
  memoryPerBridgedCallMb: { heapUsed: number; external: number; rss: number } | null;
  /** After every call ended, minus before the first call, per call (MB): what calls leave behind. */
  memoryLeftPerCallMb: { heapUsed: number; external: number; rss: number } | null;
}

const MB = 2 ** 20;
const r = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function peakWindow(calls: readonly CallRecord[]): { peak: number; from: number; to: number } | null {
  const events: [number, number][] = [];
  for (const c of calls) {
    if (c.bridgedFrom === null || c.bridgedUntil === null) continue;
    events.push([c.bridgedFrom, 1], [c.bridgedUntil, -1]);
  }
  if (events.length === 0) return null;
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let best = { peak: 0, from: 0, to: 0 };
  for (let i = 0; i < events.length; i++) {
    live += events[i]![1];
    const next = events[i + 1]?.[0] ?? events[i]![0];
    if (live > best.peak || (live === best.peak && next - events[i]![0] > best.to - best.from)) best = { peak: live, from: events[i]![0], to: next };
  }
  return best;
}

export interface ConcurrencyInput {
  calls: readonly CallRecord[];
  samples: readonly Sample[];
  memory: readonly MemoryReading[];
  cpuProcess: string;
  /** Before the first caller dialled / after the last call ended (epoch ms). */
  loadStartedAt: number;
  loadEndedAt: number;
  /** How long before the load and after it memory was read. */
  settleMs: number;
}

export function buildConcurrency({ calls, samples, memory, cpuProcess, loadStartedAt, loadEndedAt, settleMs }: ConcurrencyInput): ConcurrencyReport {
  const peak = peakWindow(calls);
  const bridgedCallSeconds = calls.reduce((a, c) => a + (c.bridgedFrom !== null && c.bridgedUntil !== null ? (c.bridgedUntil - c.bridgedFrom) / 1000 : 0), 0);
  const window = peak && peak.to > peak.from ? { from: peak.from, to: peak.to, seconds: r((peak.to - peak.from) / 1000, 1) } : null;
  const cpu = window ? cpuInWindow(samples, cpuProcess, window.from, window.to) : null;
  const whole = cpuInWindow(samples, cpuProcess, loadStartedAt - 1_000, loadEndedAt + 1_000);
  const baseline = meanIn(memory, loadStartedAt - settleMs, loadStartedAt);
  const during = window ? meanIn(memory, window.from, window.to) : null;
  const after = meanIn(memory, loadEndedAt, loadEndedAt + settleMs);
  const perCall = (m: ReturnType<typeof meanIn>, n: number) =>
    m && baseline && n > 0 ? { heapUsed: r((m.heapUsedBytes - baseline.heapUsedBytes) / n / MB), external: r((m.externalBytes - baseline.externalBytes) / n / MB), rss: r((m.rssBytes - baseline.rssBytes) / n / MB) } : null;
  return {
    calls: calls.length,
    peakBridged: peak?.peak ?? 0,
    window,
    bridgedCallSeconds: r(bridgedCallSeconds, 1),
    cpuProcess,
    cpuMsPerBridgedCallSecond: cpu && peak && cpu.spanMs > 0 ? r(cpu.cpuMs / (peak.peak * (cpu.spanMs / 1000))) : null,
    cpuMsPerBridgedCallSecondWholeRun: whole && bridgedCallSeconds > 0 ? r(whole.cpuMs / bridgedCallSeconds) : null,
    memoryPerBridgedCallMb: perCall(during, peak?.peak ?? 0),
    memoryLeftPerCallMb: perCall(after, calls.length),
  };
}
