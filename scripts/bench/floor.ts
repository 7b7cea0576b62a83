import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { benchActivityWorkflow, benchEmptyWorkflow, benchRemoteActivityWorkflow, FloorActivities } from './floor-workflows';
import { nowMs, summarize, type Summary } from './stats';

export interface FloorWorker {
  taskQueue: string;
  /** Polled by a second, activities-only worker: the stand-in for the gateway's task queue. */
  remoteTaskQueue: string;
  stop: () => Promise<void>;
}

const quiet = () => undefined;
const bundleLogger = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (m: string) => console.error(m), log: quiet };

/** Default-configured workers on their own task queues with their own bundle of trivial workflows. */
export async function startFloorWorker(address: string, namespace: string): Promise<FloorWorker> {
  const id = randomBytes(4).toString('hex');
  const taskQueue = `bench-floor-${id}`;
  const remoteTaskQueue = `bench-floor-remote-${id}`;
  const [bundle, connection] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: require.resolve('./floor-workflows'), logger: bundleLogger }),
    NativeConnection.connect({ address }),
  ]);
  const activities: FloorActivities = { benchNoop: () => Promise.resolve() };
  const workers = [
    await Worker.create({ connection, namespace, taskQueue, workflowBundle: bundle, activities }),
    await Worker.create({ connection, namespace, taskQueue: remoteTaskQueue, activities }),
  ];
  const running = workers.map((w) => w.run());
  return {
    taskQueue,
    remoteTaskQueue,
    stop: async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running.map((r) => r.catch(() => undefined)));
      await connection.close();
    },
  };
}

export interface FloorResult {
  /** client.workflow.start of an empty workflow: the start RPC alone. */
  bareStart: Summary;
  /** Start → result of a workflow running one no-op activity (eagerly dispatched on its own queue). */
  activityRoundTrip: Summary;
  /** Start → result of a workflow running one no-op activity on another worker's task queue (as the gateway steps run). */
  remoteActivityRoundTrip: Summary;
}

/** Sequential, isolated samples on an otherwise idle stack, after a few unmeasured ones. */
export async function measureFloor(client: Client, floor: FloorWorker, samples: number, deadline: number, signal?: AbortSignal): Promise<FloorResult> {
  const warmup = Math.min(10, samples);
  const run = randomBytes(3).toString('hex');
  const go = () => Date.now() < deadline && !signal?.aborted;
  const base = { taskQueue: floor.taskQueue, workflowExecutionTimeout: '30 seconds' } as const;
  const starts: number[] = [];
  for (let i = 0; i < warmup + samples && go(); i++) {
    const t0 = nowMs();
    const handle = await client.workflow.start<typeof benchEmptyWorkflow>('benchEmptyWorkflow', { ...base, workflowId: `bench-floor-start-${run}-${i}` });
    if (i >= warmup) starts.push(nowMs() - t0);
    // Unmeasured: the next start must not compete with this workflow's own task for the server.
    await handle.result();
  }
  const roundTrips = async (workflow: 'benchActivityWorkflow' | 'benchRemoteActivityWorkflow', args: [] | [string]): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < warmup + samples && go(); i++) {
      const t0 = nowMs();
      await client.workflow.execute<typeof benchActivityWorkflow | typeof benchRemoteActivityWorkflow>(workflow, { ...base, args, workflowId: `bench-floor-${workflow}-${run}-${i}` });
      if (i >= warmup) out.push(nowMs() - t0);
    }
    return out;
  };
  const local = await roundTrips('benchActivityWorkflow', []);
  const remote = await roundTrips('benchRemoteActivityWorkflow', [floor.remoteTaskQueue]);
  return { bareStart: summarize(starts), activityRoundTrip: summarize(local), remoteActivityRoundTrip: summarize(remote) };
}
