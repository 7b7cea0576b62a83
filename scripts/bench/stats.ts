/** Latency distribution of one figure, in milliseconds. `null` fields when there were no samples. */
export interface Summary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(mean),
  };
}

export interface Ratio {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Figure ÷ floor, percentile by percentile. */
export function ratio(figure: Summary, floor: Ratio): Ratio {
  const div = (a: number | null, b: number | null): number | null => (a === null || b === null || b <= 0 ? null : Math.round((a / b) * 10) / 10);
  return { p50: div(figure.p50, floor.p50), p95: div(figure.p95, floor.p95), p99: div(figure.p99, floor.p99) };
}

/** Percentile-wise sum of two floors (e.g. bare start + one activity round trip). */
export function addFloors(a: Summary, b: Summary): Ratio {
  const add = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : round(x + y));
  return { p50: add(a.p50, b.p50), p95: add(a.p95, b.p95), p99: add(a.p99, b.p99) };
}

/** Epoch milliseconds with sub-millisecond precision: the same clock the ElevenLabs sandbox stamps requests with. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
