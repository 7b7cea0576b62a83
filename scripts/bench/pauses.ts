import { PerformanceObserver } from 'node:perf_hooks';

/** One garbage collection of this process (the simulators; with `--processes one` also the service). */
export interface GcPause {
  /** Epoch ms (monotonic clock). */
  at: number;
  durationMs: number;
  /** 'major' (mark-compact), 'minor' (scavenge), … */
  kind: string;
}

const KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

export function observeGc(): { pauses: GcPause[]; stop: () => void } {
  const pauses: GcPause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      pauses.push({ at: performance.timeOrigin + e.startTime, durationMs: e.duration, kind: KINDS[kind] ?? String(kind) });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { pauses, stop: () => observer.disconnect() };
}

export interface PauseSummary {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Pauses of 50 ms or more. */
  long: number;
}

export function summarizePauses(pauses: readonly GcPause[]): PauseSummary {
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    count: pauses.length,
    totalMs: r(pauses.reduce((a, p) => a + p.durationMs, 0)),
    maxMs: r(Math.max(0, ...pauses.map((p) => p.durationMs))),
    long: pauses.filter((p) => p.durationMs >= 50).length,
  };
}
