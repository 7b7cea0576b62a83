import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { busyCores, cpuOf, findPids, loadAverage, readMachineTotals, statOf } from './proc';

export interface ProcessUse {
  cpuMs: number;
  /** Average cores used over the phase. */
  cores: number;
  peakRssMb: number | null;
}

export interface ResourceReport {
  /** Wall time of the measured phase (first caller dials → every call over). */
  wallMs: number;
  /**
   * By process: `bench` is THIS process (the simulators and the load; with `--processes one` also
   * the worker, the API and the gateway); `worker`, `api`, `gateway` with `--processes separate`;
   * `temporal` the dev server the bench started; `postgres` every PostgreSQL process on the machine.
   */
  processes: Record<string, ProcessUse>;
  /** Whole machine (from /proc/stat): average busy cores. */
  machineBusyCores: number | null;
  cpuCount: number;
  loadAverageStart: [number, number, number] | null;
  loadAverageEnd: [number, number, number] | null;
  benchPeakHeapUsedMb: number;
  /** This process's event-loop delay: how long ready work (the simulators' ticks, and in-process the service) waited. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

export interface Sample {
  /** Epoch ms. */
  at: number;
  cpuMs: Record<string, number | null>;
  rssBytes: Record<string, number | null>;
}

export interface Monitor {
  readonly samples: Sample[];
  stop: () => ResourceReport;
}

const SAMPLE_MS = 500;
const LOOP_RESOLUTION_MS = 10;
const r = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * Samples CPU and resident memory of the named processes every 500 ms (a window of the run can be
 * read from the samples), PostgreSQL and the machine at start and stop only.
 */
export function startMonitor(tracked: Record<string, number>): Monitor {
  const started = performance.now();
  const machine0 = readMachineTotals();
  const load0 = loadAverage();
  const temporalPids = findPids((comm, ppid) => ppid === process.pid && comm.startsWith('temporal'));
  const postgresPids = findPids((comm) => comm === 'postgres');
  const postgres0 = cpuOf(postgresPids);
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  delay.enable();
  let peakHeap = process.memoryUsage().heapUsed;
  const samples: Sample[] = [];
  const named: Record<string, number[]> = { bench: [process.pid], ...Object.fromEntries(Object.entries(tracked).map(([k, v]) => [k, [v]])), ...(temporalPids.length ? { temporal: temporalPids } : {}) };
  const take = (): void => {
    const sample: Sample = { at: Date.now(), cpuMs: {}, rssBytes: {} };
    for (const [name, pids] of Object.entries(named)) {
      const stats = pids.map(statOf).filter((s) => s !== null);
      sample.cpuMs[name] = stats.length ? stats.reduce((a, s) => a + s.cpuMs, 0) : null;
      sample.rssBytes[name] = stats.length ? stats.reduce((a, s) => a + s.rssBytes, 0) : null;
    }
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    samples.push(sample);
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  timer.unref();

  return {
    samples,
    stop: () => {
      clearInterval(timer);
      take();
      delay.disable();
      const wallMs = performance.now() - started;
      const first = samples[0]!;
      const last = samples[samples.length - 1]!;
      const processes: Record<string, ProcessUse> = {};
      for (const name of Object.keys(named)) {
        const a = first.cpuMs[name];
        const b = last.cpuMs[name];
        if (a === null || a === undefined || b === null || b === undefined) continue;
        const rss = samples.map((s) => s.rssBytes[name]).filter((v): v is number => typeof v === 'number');
        processes[name] = { cpuMs: r(b - a, 0), cores: r((b - a) / wallMs, 2), peakRssMb: rss.length ? r(Math.max(...rss) / 2 ** 20) : null };
      }
      const postgres1 = cpuOf(postgresPids);
      if (postgres0 !== null && postgres1 !== null) processes.postgres = { cpuMs: r(postgres1 - postgres0, 0), cores: r((postgres1 - postgres0) / wallMs, 2), peakRssMb: null };
      return {
        wallMs: r(wallMs, 0),
        processes,
        machineBusyCores: busyCores(machine0, readMachineTotals()),
        cpuCount: cpus().length,
        loadAverageStart: load0,
        loadAverageEnd: loadAverage(),
        benchPeakHeapUsedMb: r(peakHeap / 2 ** 20),
        // The histogram holds whole sampling intervals: the delay is what exceeds the resolution.
        eventLoopDelayMs: {
          p50: r(Math.max(0, delay.percentile(50) / 1e6 - LOOP_RESOLUTION_MS)),
          p99: r(Math.max(0, delay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS)),
          max: r(Math.max(0, delay.max / 1e6 - LOOP_RESOLUTION_MS)),
        },
      };
    },
  };
}

/** CPU ms of `name` between the samples nearest inside [from, to] (epoch ms), and the span they cover. */
export function cpuInWindow(samples: readonly Sample[], name: string, from: number, to: number): { cpuMs: number; spanMs: number } | null {
  const inside = samples.filter((s) => s.at >= from && s.at <= to && typeof s.cpuMs[name] === 'number');
  if (inside.length < 2) return null;
  const a = inside[0]!;
  const b = inside[inside.length - 1]!;
  return { cpuMs: b.cpuMs[name]! - a.cpuMs[name]!, spanMs: b.at - a.at };
}
