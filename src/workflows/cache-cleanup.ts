import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CacheCleanupInput, CacheCleanupResult } from '../contracts/cache-cleanup';
import { databaseWrite, elevenLabsRead } from './activity-options';

const { expireCachedVoices } = proxyActivities<Activities>({ ...databaseWrite, summary: 'Invalidate expired clones' });
const { evictForVoiceSlots } = proxyActivities<Activities>({ ...elevenLabsRead, summary: 'Evict least-recently-used clones to keep voice slots free' });
const { deleteInvalidatedVoices } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: elevenLabsRead.retry,
  summary: 'Delete invalidated voices at ElevenLabs',
});
const { purgeOldCallData } = proxyActivities<Activities>({ ...databaseWrite, startToCloseTimeout: '5 minutes', summary: 'Delete call data past its retention' });

/** Runs on the `voice-clone-cache-cleanup` Schedule (CACHE_CLEANUP_INTERVAL_SECONDS, hourly by default). */
export async function cacheCleanupWorkflow(input: CacheCleanupInput): Promise<CacheCleanupResult> {
  const { expired } = await expireCachedVoices();
  const { maxCallDurationSeconds } = input;
  const { evicted, freeVoiceSlots } = await evictForVoiceSlots({ reserve: input.voiceSlotReserve, maxCallDurationSeconds });
  const { deleted, failed } = await deleteInvalidatedVoices({ maxCallDurationSeconds });
  const purged = await purgeOldCallData({ retentionDays: input.callLogRetentionDays });
  return { expired, evicted, voicesDeleted: deleted, voiceDeletionsFailed: failed, freeVoiceSlots, purged };
}
