import { proxyActivities } from '@temporalio/workflow';

// The floor: what Temporal itself costs on this server, with no application code. Bundled for the
// bench's own floor worker only, never registered by the service's worker.

export interface FloorActivities {
  benchNoop(): Promise<void>;
}

const options = { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } } as const;
const { benchNoop } = proxyActivities<FloorActivities>(options);

/** Completes in its first workflow task. */
export function benchEmptyWorkflow(): Promise<void> {
  return Promise.resolve();
}

/** One activity that does nothing: a full schedule → dispatch → complete → workflow task round trip. */
export async function benchActivityWorkflow(): Promise<void> {
  await benchNoop();
}

/**
 * The same on another task queue, polled by another worker, as the call workflow's gateway steps
 * are: no eager dispatch, the activity waits in the server's matching for that worker's poll.
 */
export async function benchRemoteActivityWorkflow(taskQueue: string): Promise<void> {
  await proxyActivities<FloorActivities>({ ...options, taskQueue }).benchNoop();
}
