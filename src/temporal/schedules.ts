import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import { CACHE_CLEANUP_SCHEDULE_ID, type CacheCleanupInput } from '../contracts/cache-cleanup';
import type { cacheCleanupWorkflow } from '../workflows/cache-cleanup';

export interface CacheCleanupScheduleOptions extends CacheCleanupInput {
  taskQueue: string;
  intervalSeconds: number;
}

/**
 * Creates the cache-cleanup Schedule, or brings an existing one in line with the configuration:
 * every worker calls this at start, so it must be idempotent.
 */
export async function ensureCacheCleanupSchedule(client: Client, options: CacheCleanupScheduleOptions): Promise<void> {
  const { taskQueue, intervalSeconds, ...input } = options;
  const spec = { intervals: [{ every: `${intervalSeconds} seconds` }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'cacheCleanupWorkflow',
    taskQueue,
    args: [input] as Parameters<typeof cacheCleanupWorkflow>,
    staticSummary: 'Expire cached voice clones, free ElevenLabs voice slots, purge old call data',
  };
  const schedule: ScheduleOptions = { scheduleId: CACHE_CLEANUP_SCHEDULE_ID, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 hour' } };
  try {
    await client.schedule.create(schedule);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action }));
  }
}
