import { proxyActivities } from '@temporalio/workflow';

// The floor: what Temporal itself costs on this server, with no application code. Bundled for the
// bench's own floor worker only, never registered by the service's worker.

export interface FloorActivities {
  benchNoop(): Promise<void>;
}

const { benchNoop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });

/** Completes in its first workflow task. */
export function benchEmptyWorkflow(): Promise<void> {
  return Promise.resolve();
}

/** One activity that does nothing: a full schedule → dispatch → complete → workflow task round trip. */
export async function benchActivityWorkflow(): Promise<void> {
  await benchNoop();
}
