import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CallOutcome } from '../../src/contracts/call';
import { sleep } from './load';

/**
 * Waits until no call workflow of the run's task queue is running (one visibility count per
 * second), or the deadline. Falls back to describing the calls if the server cannot count.
 */
export async function waitForWorkflows(client: Client, taskQueue: string, ids: string[], deadline: number, signal?: AbortSignal, onProgress?: (running: number) => void): Promise<void> {
  const query = `TaskQueue = '${taskQueue}' AND WorkflowType = 'callWorkflow' AND ExecutionStatus = 'Running'`;
  let useCount = true;
  let pending = [...ids];
  let lastReport = Date.now();
  while (Date.now() < deadline && !signal?.aborted) {
    let running: number;
    if (useCount) {
      try {
        running = (await client.workflow.count(query)).count;
      } catch {
        useCount = false;
        continue;
      }
    } else {
      const states = await mapBounded(pending, 16, (id) =>
        client.workflow
          .getHandle(id)
          .describe()
          .then((d) => d.status.name === 'RUNNING')
          .catch(() => false),
      );
      pending = pending.filter((_, i) => states[i]);
      running = pending.length;
    }
    if (running === 0) return;
    if (onProgress && Date.now() - lastReport > 5_000) {
      onProgress(running);
      lastReport = Date.now();
    }
    await sleep(useCount ? 1_000 : 2_000, signal);
  }
}

export async function mapBounded<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

export interface WorkflowFate {
  /** RUNNING / COMPLETED / FAILED / … , NOT_FOUND, or UNVERIFIED when the server would not tell. */
  status: string;
  outcome: CallOutcome | null;
  closedAt: number | null;
  error: string | null;
}

const errorText = (err: unknown): string => {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
};

/** A busy server may answer a read with an error: three tries, a second apart. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || attempt >= 3) throw err;
      await sleep(1_000);
    }
  }
}

/** Each call workflow's status and result, as Temporal has them. */
export function workflowFates(client: Client, ids: readonly string[]): Promise<WorkflowFate[]> {
  return mapBounded(ids, 16, async (id): Promise<WorkflowFate> => {
    const handle = client.workflow.getHandle(id);
    let status: string;
    let closedAt: number | null;
    try {
      const d = await withRetries(() => handle.describe());
      status = d.status.name;
      closedAt = d.closeTime?.getTime() ?? null;
    } catch (err) {
      const notFound = err instanceof WorkflowNotFoundError;
      return { status: notFound ? 'NOT_FOUND' : 'UNVERIFIED', outcome: null, closedAt: null, error: notFound ? null : `describe failed: ${errorText(err)}` };
    }
    if (status !== 'COMPLETED') return { status, outcome: null, closedAt, error: null };
    try {
      return { status, outcome: (await withRetries(() => handle.result())) as CallOutcome, closedAt, error: null };
    } catch (err) {
      return { status: 'UNVERIFIED', outcome: null, closedAt, error: `result failed: ${errorText(err)}` };
    }
  });
}
