import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './options';

export interface ServiceProcesses {
  apiUrl: string;
  /** SIGTERM to both (graceful shutdown as in production), SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
}

function spawnEntry(entry: string, env: Record<string, string>, write: (chunk: string) => void): { child: ChildProcess; seen: (re: RegExp) => boolean } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let recent = '';
  const onData = (d: Buffer): void => {
    const text = d.toString();
    recent = (recent + text).slice(-20_000);
    write(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return { child, seen: (re) => re.test(recent) };
}

async function waitUntil(what: string, ready: () => boolean, failed: () => string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    const why = failed();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The worker (`src/worker.ts`) and the API (`src/server.ts`) as two Node.js processes, the way
 * production runs them; their logs go to `write`. Both read only `env`.
 */
export async function startServiceProcesses(env: Record<string, string>, apiPort: number, write: (chunk: string) => void): Promise<ServiceProcesses> {
  const worker = spawnEntry('src/worker.ts', env, write);
  const api = spawnEntry('src/server.ts', { ...env, PORT: String(apiPort) }, write);
  const stop = async (graceMs = 20_000): Promise<void> => {
    await Promise.all(
      [worker.child, api.child].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  const exitedEarly = (name: string, child: ChildProcess) => () => (child.exitCode !== null ? `${name} exited with ${child.exitCode} (see the service log)` : null);
  try {
    await Promise.all([
      waitUntil('worker process', () => worker.seen(/worker polling/), exitedEarly('worker', worker.child), 120_000),
      waitUntil('API process', () => api.seen(/API listening/), exitedEarly('API', api.child), 120_000),
    ]);
  } catch (err) {
    await stop(2_000);
    throw err;
  }
  return { apiUrl: `http://127.0.0.1:${apiPort}`, stop };
}

/** PIDs of the service processes' CPU is read from /proc by the monitor (children named `node`). */
export const isServiceChild = (comm: string, ppid: number): boolean => ppid === process.pid && comm === 'node';
