import { createServer } from 'node:net';
import { request } from 'undici';

// The Temporal dev server's own Prometheus histograms, scraped before and after the measured phase:
// where the server spends its time (RPCs as the frontend sees them, persistence calls, history
// task queues). Only for the dev server the bench starts (its metrics port is known).

const HISTOGRAMS = ['service_latency', 'persistence_latency', 'visibility_persistence_latency', 'task_latency_queue', 'task_latency_processing'] as const;

type Totals = Map<string, { sum: number; count: number }>;

export interface ServerTiming {
  metric: string;
  service: string;
  operation: string;
  count: number;
  meanMs: number;
  /** Sum of all latencies over the phase. For a serialized resource, totalMs ≈ wallMs means saturated. */
  totalMs: number;
}

export interface ServerMetrics {
  wallMs: number;
  /** persistence_latency over all operations: requests, and total time (waiting for SQLite's single connection included). */
  persistence: { requests: number; totalMs: number };
  /** Largest total time first. */
  top: ServerTiming[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const LINE = /^([a-z_]+)_(sum|count)\{([^}]*)\}\s+([0-9.eE+-]+)$/;

function parse(text: string): Totals {
  const totals: Totals = new Map();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || !(HISTOGRAMS as readonly string[]).includes(m[1]!)) continue;
    const labels = Object.fromEntries([...m[3]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const key = [m[1], labels.service_name ?? '', labels.operation ?? labels.task_type ?? ''].join('|');
    const entry = totals.get(key) ?? { sum: 0, count: 0 };
    if (m[2] === 'sum') entry.sum += Number(m[4]);
    else entry.count += Number(m[4]);
    totals.set(key, entry);
  }
  return totals;
}

export interface ServerScraper {
  /** Starts the phase; returns false when the metrics endpoint does not answer. */
  begin: () => Promise<boolean>;
  end: () => Promise<ServerMetrics | null>;
}

export function serverScraper(metricsUrl: string | null): ServerScraper {
  let before: Totals | null = null;
  let started = 0;
  const scrape = async (): Promise<Totals | null> => {
    if (!metricsUrl) return null;
    try {
      const res = await request(metricsUrl, { headersTimeout: 5_000, bodyTimeout: 10_000 });
      return parse(await res.body.text());
    } catch {
      return null;
    }
  };
  return {
    begin: async () => {
      before = await scrape();
      started = performance.now();
      return before !== null;
    },
    end: async () => {
      const after = await scrape();
      if (!before || !after) return null;
      const wallMs = performance.now() - started;
      const top: ServerTiming[] = [];
      for (const [key, a] of after) {
        const b = before.get(key) ?? { sum: 0, count: 0 };
        const count = a.count - b.count;
        if (count <= 0) continue;
        const [metric, service, operation] = key.split('|') as [string, string, string];
        // Long polls wait for work by design: their latency is idle time, not cost.
        if (/^Poll|^GetTaskQueueUserData$|^ListNexusEndpoints$/.test(operation)) continue;
        const totalMs = (a.sum - b.sum) * 1000;
        top.push({ metric, service, operation, count, meanMs: Math.round((totalMs / count) * 100) / 100, totalMs: Math.round(totalMs) });
      }
      top.sort((x, y) => y.totalMs - x.totalMs);
      const persistence = top.filter((t) => t.metric === 'persistence_latency');
      return {
        wallMs: Math.round(wallMs),
        persistence: { requests: persistence.reduce((a, t) => a + t.count, 0), totalMs: persistence.reduce((a, t) => a + t.totalMs, 0) },
        top: top.slice(0, 25),
      };
    },
  };
}
