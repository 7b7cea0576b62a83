import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { CACHE_CLEANUP_SCHEDULE_ID } from '../../contracts/cache-cleanup';

/**
 * Starts a run of the cache-cleanup Schedule now, whose worker deletes invalidated voices at
 * ElevenLabs with retries. `next_cleanup` when the Schedule does not exist yet (no worker has
 * started): its first run will.
 */
export async function triggerCacheCleanup(temporal: Client): Promise<'scheduled' | 'next_cleanup'> {
  try {
    await temporal.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID).trigger();
    return 'scheduled';
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return 'next_cleanup';
    throw err;
  }
}
