import { request } from 'undici';

/** One route's server-side time as the API's own `http_request_duration_seconds` histogram saw it. */
export interface RouteTiming {
  count: number;
  meanMs: number;
  /** Share of requests answered within 50 ms (the histogram has a 50 ms bucket). */
  within50ms: number;
  /** The smallest bucket bound (ms) holding 99 % of the requests: an upper bound for the p99. */
  p99AtMostMs: number | null;
}

/** The API's /metrics for `route`, or null when it cannot be read or the route saw no request. */
export async function readRouteTiming(apiUrl: string, route: string): Promise<RouteTiming | null> {
  let text: string;
  try {
    text = await (await request(`${apiUrl}/metrics`, { headersTimeout: 5_000, bodyTimeout: 5_000 })).body.text();
  } catch {
    return null;
  }
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_request_duration_seconds') || !line.includes(`route="${route}"`)) continue;
    const value = Number(line.split(/\s+/).at(-1));
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (line.startsWith('http_request_duration_seconds_bucket') && le !== undefined) buckets.set(le === '+Inf' ? Infinity : Number(le), (buckets.get(le === '+Inf' ? Infinity : Number(le)) ?? 0) + value);
    else if (line.startsWith('http_request_duration_seconds_sum')) sum += value;
    else if (line.startsWith('http_request_duration_seconds_count')) count += value;
  }
  if (count === 0) return null;
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const p99 = sorted.find(([, n]) => n >= 0.99 * count)?.[0];
  return {
    count,
    meanMs: Math.round((sum / count) * 10_000) / 10,
    within50ms: Math.round(((buckets.get(0.05) ?? 0) / count) * 1000) / 1000,
    p99AtMostMs: p99 === undefined || !Number.isFinite(p99) ? null : p99 * 1000,
  };
}
