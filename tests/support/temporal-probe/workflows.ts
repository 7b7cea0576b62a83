import { proxyActivities } from '@temporalio/workflow';
import type { ProbeActivities } from './activities';

// Workflows that exist only to make a worker run one activity (no retries: the first attempt's
// fate is the workflow's), for tests of the worker process itself: shutdown, logs.

const { slowStep, failWith } = proxyActivities<ProbeActivities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 1 } });

export async function slowStepWorkflow(ms: number): Promise<{ pid: number }> {
  return slowStep(ms);
}

export async function failingStepWorkflow(message: string): Promise<void> {
  await failWith(message);
}
