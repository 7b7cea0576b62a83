import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { benchActivityWorkflow, benchEmptyWorkflow, FloorActivities } from './floor-workflows';
import { nowMs, summarize, type Summary } from './stats';

export interface FloorWorker {
  taskQueue: string;
  stop: () => Promise<void>;
}

const quiet = () => undefined;
const bundleLogger = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (m: string) => console.error(m), log: quiet };

/** A second, default-configured worker on its own task queue with its own bundle of trivial workflows. */
export async function startFloorWorker(address: string, namespace: string): Promise<FloorWorker> {
  const taskQueue = `bench-floor-${randomBytes(4).toString('hex')}`;
  const [bundle, connection] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: require.resolve('./floor-workflows'), logger: bundleLogger }),
    NativeConnection.connect({ address }),
  ]);
  const activities: FloorActivities = { benchNoop: () => Promise.resolve() };
  const worker = await Worker.create({ connection, namespace, taskQueue, workflowBundle: bundle, activities });
  const running = worker.run();
  return {
    taskQueue,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

export interface FloorResult {
  /** client.workflow.start of an empty workflow: the start RPC alone. */
  bareStart: Summary;
  /** Start → result of a workflow running one no-op activity. */
  activityRoundTrip: Summary;
}

/** Sequential, isolated samples on an otherwise idle stack, after a few unmeasured ones. */
export async function measureFloor(client: Client, taskQueue: string, samples: number, deadline: number, signal?: AbortSignal): Promise<FloorResult> {
  const warmup = Math.min(10, samples);
  const starts: number[] = [];
  const roundTrips: number[] = [];
  const run = randomBytes(3).toString('hex');
  const go = () => Date.now() < deadline && !signal?.aborted;
  for (let i = 0; i < warmup + samples && go(); i++) {
    const t0 = nowMs();
    const handle = await client.workflow.start<typeof benchEmptyWorkflow>('benchEmptyWorkflow', {
      taskQueue,
      workflowId: `bench-floor-start-${run}-${i}`,
      workflowExecutionTimeout: '30 seconds',
    });
    if (i >= warmup) starts.push(nowMs() - t0);
    // Unmeasured: the next start must not compete with this workflow's own task for the server.
    await handle.result();
  }
  for (let i = 0; i < warmup + samples && go(); i++) {
    const t0 = nowMs();
    await client.workflow.execute<typeof benchActivityWorkflow>('benchActivityWorkflow', {
      taskQueue,
      workflowId: `bench-floor-activity-${run}-${i}`,
      workflowExecutionTimeout: '30 seconds',
    });
    if (i >= warmup) roundTrips.push(nowMs() - t0);
  }
  return { bareStart: summarize(starts), activityRoundTrip: summarize(roundTrips) };
}
