import { Router } from 'express';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import { CACHE_CLEANUP_SCHEDULE_ID } from '../../contracts/cache-cleanup';
import type { PrismaClient } from '../../db/prisma';
import { parseCallerId } from '../params';

/**
 * `DELETE /api/v1/cache/:callerId`: the caller's cached clones are invalidated at once (the next
 * call clones afresh) and the cleanup Schedule is triggered, whose worker deletes the voices at
 * ElevenLabs with retries. Voice deletion stays in the worker, where ElevenLabs calls live.
 */
export function cacheRouter({ config, temporal, prisma }: { config: Config; temporal: Client; prisma: PrismaClient }): Router {
  const router = Router();
  router.delete('/api/v1/cache/:callerId', async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const { count } = await prisma.voiceCloneCache.updateMany({ where: { callerId, deletedAt: null }, data: { deletedAt: new Date() } });
    let voiceDeletion: 'scheduled' | 'next_cleanup' = 'next_cleanup';
    if (count > 0) {
      try {
        await temporal.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID).trigger();
        voiceDeletion = 'scheduled';
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    }
    res.json({ caller_id: callerId, invalidated: count, voice_deletion: count > 0 ? voiceDeletion : 'nothing_to_delete' });
  });
  return router;
}
