import { request } from 'undici';

/** Memory of the process that runs the gateway, as Node.js sees it, and (`--processes separate`) its event loop. */
export interface MemoryReading {
  at: number;
  heapUsedBytes: number;
  externalBytes: number;
  rssBytes: number;
  /** The gateway's longest event-loop delay since the previous reading (prom-client resets it per scrape); NaN in one process. */
  loopLagMaxMs: number;
}

const METRICS = {
  nodejs_heap_size_used_bytes: 'heapUsedBytes',
  nodejs_external_memory_bytes: 'externalBytes',
  process_resident_memory_bytes: 'rssBytes',
  nodejs_eventloop_lag_max_seconds: 'loopLagMaxMs',
} as const;

/** The gateway's own /metrics (prom-client's default series; `--processes separate`), else this process. */
export async function readGatewayMemory(metricsUrl: string | null): Promise<MemoryReading | null> {
  if (!metricsUrl) {
    const m = process.memoryUsage();
    return { at: Date.now(), heapUsedBytes: m.heapUsed, externalBytes: m.external, rssBytes: m.rss, loopLagMaxMs: NaN };
  }
  try {
    const res = await request(metricsUrl, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const text = await res.body.text();
    const reading: MemoryReading = { at: Date.now(), heapUsedBytes: NaN, externalBytes: NaN, rssBytes: NaN, loopLagMaxMs: NaN };
    for (const line of text.split('\n')) {
      const m = /^(\w+)(?:\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
      const key = m ? METRICS[m[1] as keyof typeof METRICS] : undefined;
      if (key) reading[key] = key === 'loopLagMaxMs' ? Number(m![2]) * 1000 : Number(m![2]);
    }
    return reading;
  } catch {
    return null;
  }
}

/** The sum of a histogram on the gateway's /metrics (`--processes separate`), e.g. its stall seconds. */
export async function readGatewayHistogramSum(metricsUrl: string | null, name: string): Promise<number | null> {
  if (!metricsUrl) return null;
  try {
    const text = await (await request(metricsUrl, { headersTimeout: 5_000, bodyTimeout: 5_000 })).body.text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}_sum`));
    return line === undefined ? null : Number(line.split(/\s+/).at(-1));
  } catch {
    return null;
  }
}

/** Memory readings every `everyMs` until stopped. */
export function sampleGatewayMemory(metricsUrl: string | null, everyMs: number): { readings: MemoryReading[]; stop: () => void } {
  const readings: MemoryReading[] = [];
  const timer = setInterval(() => void readGatewayMemory(metricsUrl).then((m) => m && readings.push(m)), everyMs);
  timer.unref();
  return { readings, stop: () => clearInterval(timer) };
}

type Memory = Pick<MemoryReading, 'heapUsedBytes' | 'externalBytes' | 'rssBytes'>;

export function meanIn(readings: readonly MemoryReading[], from: number, to: number): Memory | null {
  const inside = readings.filter((m) => m.at >= from && m.at <= to);
  if (inside.length === 0) return null;
  const mean = (key: keyof Memory) => inside.reduce((a, m) => a + m[key], 0) / inside.length;
  return { heapUsedBytes: mean('heapUsedBytes'), externalBytes: mean('externalBytes'), rssBytes: mean('rssBytes') };
}
