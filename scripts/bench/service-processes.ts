import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './options';

export type ServiceName = 'worker' | 'api' | 'gateway';

export interface ServiceProcesses {
  pids: Record<ServiceName, number>;
  /** SIGTERM to all (graceful shutdown as in production), SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
}

const ENTRIES: Record<ServiceName, { file: string; ready: RegExp }> = {
  worker: { file: 'src/worker.ts', ready: /worker polling/ },
  api: { file: 'src/server.ts', ready: /API listening/ },
  gateway: { file: 'src/gateway.ts', ready: /gateway running/ },
};

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
 * The worker (`src/worker.ts`), the API (`src/server.ts`) and the gateway (`src/gateway.ts`) as
 * three Node.js processes, the way production runs them, all reading only `env`; their logs go to
 * `write`. The gateway starts last: it greets callers as soon as it is connected.
 */
export async function startServiceProcesses(env: Record<string, string>, write: (chunk: string) => void): Promise<ServiceProcesses> {
  const started: { name: ServiceName; child: ChildProcess }[] = [];
  const stop = async (graceMs = 20_000): Promise<void> => {
    await Promise.all(
      started.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  const launch = async (names: ServiceName[]): Promise<void> => {
    const spawned = names.map((name) => ({ name, ...spawnEntry(ENTRIES[name].file, env, write) }));
    started.push(...spawned);
    await Promise.all(
      spawned.map(({ name, child, seen }) =>
        waitUntil(`${name} process`, () => seen(ENTRIES[name].ready), () => (child.exitCode !== null ? `exited with ${child.exitCode} (see the service log)` : null), 120_000),
      ),
    );
  };
  try {
    await launch(['worker', 'api']);
    await launch(['gateway']);
  } catch (err) {
    await stop(2_000);
    throw err;
  }
  const pid = (name: ServiceName): number => started.find((s) => s.name === name)!.child.pid!;
  return { pids: { worker: pid('worker'), api: pid('api'), gateway: pid('gateway') }, stop };
}
