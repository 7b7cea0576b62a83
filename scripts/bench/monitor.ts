import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isServiceChild } from './service-processes';

export interface ResourceReport {
  /** Wall time of the measured phase (first webhook sent → all calls closed or timed out). */
  wallMs: number;
  /**
   * CPU of THIS process: the worker (activities; workflow code runs in its worker thread, counted
   * too), the API, the ElevenLabs sandbox and the load generator all live in it.
   */
  processCpu: { userMs: number; systemMs: number; totalMs: number; cores: number };
  /** The worker and API processes (`--processes separate`); null when they run in this process. */
  serviceProcessesCpu: { totalMs: number; cores: number } | null;
  /** Peak of the worker's and the API's resident memory together (`--processes separate`). */
  serviceProcessesPeakRssMb: number | null;
  /** The Temporal dev server (a child process), when the bench started it. */
  temporalServerCpu: { totalMs: number; cores: number } | null;
  /** Every `postgres` process on this machine (so other users' databases too, if any are busy). */
  postgresCpu: { totalMs: number; cores: number } | null;
  /** Whole machine (PostgreSQL included), from /proc/stat: average busy cores of the ones available. */
  machineBusyCores: number | null;
  cpuCount: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  /** Main-thread event-loop delay: how long ready work waited for the API/activities thread. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

const TICKS_PER_SECOND = 100;
const LOOP_RESOLUTION_MS = 10;

function readProcStatTotals(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** utime + stime (ticks) and resident pages of processes matching `accept(comm, ppid)`; null when none or no /proc. */
function processStats(accept: (comm: string, ppid: number) => boolean): { ticks: number; rssPages: number } | null {
  try {
    let ticks = 0;
    let rssPages = 0;
    let found = false;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const rest = stat.slice(close + 2).split(' ');
      // After the comm: state(0) ppid(1) … utime(11) stime(12) … rss(21).
      if (!accept(comm, Number(rest[1]))) continue;
      ticks += Number(rest[11]) + Number(rest[12]);
      rssPages += Number(rest[21]);
      found = true;
    }
    return found ? { ticks, rssPages } : null;
  } catch {
    return null;
  }
}

/** Busy cores of the whole machine over `ms`: what else (other test runs, …) competes for the CPUs. */
export async function sampleMachineBusy(ms: number): Promise<number | null> {
  const a = readProcStatTotals();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = readProcStatTotals();
  if (!a || !b || b.total <= a.total) return null;
  return Math.round(((b.busy - a.busy) / (b.total - a.total)) * cpus().length * 100) / 100;
}

/** The Temporal dev server the bench started (a child process). */
const PAGE_BYTES = 4096;
const processTicks = (accept: (comm: string, ppid: number) => boolean): number | null => processStats(accept)?.ticks ?? null;
const temporalChildTicks = () => processTicks((comm, ppid) => ppid === process.pid && comm.startsWith('temporal'));
const serviceChildTicks = () => processTicks(isServiceChild);
/** Every PostgreSQL server process on the machine (other databases' included). */
const postgresTicks = () => processTicks((comm) => comm === 'postgres');

export interface Monitor {
  stop: () => ResourceReport;
}

/** Samples memory every 250 ms and takes CPU deltas between start and stop. */
export function startMonitor(): Monitor {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const machine0 = readProcStatTotals();
  const temporal0 = temporalChildTicks();
  const services0 = serviceChildTicks();
  const postgres0 = postgresTicks();
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  delay.enable();
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  let peakServiceRssPages: number | null = null;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    const services = processStats(isServiceChild);
    if (services) peakServiceRssPages = Math.max(peakServiceRssPages ?? 0, services.rssPages);
  }, 250);
  sampler.unref();

  return {
    stop: () => {
      clearInterval(sampler);
      delay.disable();
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpu0);
      const machine1 = readProcStatTotals();
      const temporal1 = temporalChildTicks();
      const services1 = serviceChildTicks();
      const postgres1 = postgresTicks();
      const cpuCount = cpus().length;
      const userMs = cpu.user / 1000;
      const systemMs = cpu.system / 1000;
      const temporalMs = temporal0 !== null && temporal1 !== null ? ((temporal1 - temporal0) * 1000) / TICKS_PER_SECOND : null;
      const servicesMs = services0 !== null && services1 !== null ? ((services1 - services0) * 1000) / TICKS_PER_SECOND : null;
      const postgresMs = postgres0 !== null && postgres1 !== null ? ((postgres1 - postgres0) * 1000) / TICKS_PER_SECOND : null;
      const r = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
      return {
        wallMs: r(wallMs, 0),
        processCpu: { userMs: r(userMs, 0), systemMs: r(systemMs, 0), totalMs: r(userMs + systemMs, 0), cores: r((userMs + systemMs) / wallMs, 2) },
        serviceProcessesCpu: servicesMs === null ? null : { totalMs: r(servicesMs, 0), cores: r(servicesMs / wallMs, 2) },
        serviceProcessesPeakRssMb: peakServiceRssPages === null ? null : r((peakServiceRssPages * PAGE_BYTES) / 2 ** 20),
        temporalServerCpu: temporalMs === null ? null : { totalMs: r(temporalMs, 0), cores: r(temporalMs / wallMs, 2) },
        postgresCpu: postgresMs === null ? null : { totalMs: r(postgresMs, 0), cores: r(postgresMs / wallMs, 2) },
        machineBusyCores:
          machine0 && machine1 && machine1.total > machine0.total ? r(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * cpuCount, 2) : null,
        cpuCount,
        peakRssMb: r(peakRss / 2 ** 20),
        peakHeapUsedMb: r(peakHeap / 2 ** 20),
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
