import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

// Reads of /proc (Linux): CPU time and resident memory of processes, busy time of the machine.

export const TICKS_PER_SECOND = 100;
export const PAGE_BYTES = 4096;

export interface ProcStat {
  /** utime + stime, in ms. */
  cpuMs: number;
  rssBytes: number;
}

function parseStat(text: string): { comm: string; ppid: number; cpuMs: number; rssBytes: number } {
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // After the comm: state(0) ppid(1) … utime(11) stime(12) … rss(21).
  return { comm, ppid: Number(rest[1]), cpuMs: ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_SECOND, rssBytes: Number(rest[21]) * PAGE_BYTES };
}

export function statOf(pid: number): ProcStat | null {
  try {
    const { cpuMs, rssBytes } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return { cpuMs, rssBytes };
  } catch {
    return null;
  }
}

/** PIDs of processes matching `accept(comm, ppid)`. */
export function findPids(accept: (comm: string, ppid: number) => boolean): number[] {
  const pids: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const { comm, ppid } = parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
        if (accept(comm, ppid)) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return pids;
}

/** CPU ms summed over `pids` (those still alive). */
export function cpuOf(pids: readonly number[]): number | null {
  let total = 0;
  let found = false;
  for (const pid of pids) {
    const s = statOf(pid);
    if (s) {
      total += s.cpuMs;
      found = true;
    }
  }
  return found ? total : null;
}

export function readMachineTotals(): { busy: number; total: number } | null {
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

export function busyCores(a: { busy: number; total: number } | null, b: { busy: number; total: number } | null): number | null {
  if (!a || !b || b.total <= a.total) return null;
  return Math.round(((b.busy - a.busy) / (b.total - a.total)) * cpus().length * 100) / 100;
}

/** Busy cores of the whole machine over `ms`: what else (other test runs, …) competes for the CPUs. */
export async function sampleMachineBusy(ms: number): Promise<number | null> {
  const a = readMachineTotals();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return busyCores(a, readMachineTotals());
}

/** The 1-, 5- and 15-minute load averages. */
export function loadAverage(): [number, number, number] | null {
  try {
    const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
    return [a ?? 0, b ?? 0, c ?? 0];
  } catch {
    return null;
  }
}
