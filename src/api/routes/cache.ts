import { Router } from 'express';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config';
import { CACHE_CLEANUP_SCHEDULE_ID } from '../../contracts/cache-cleanup';
import type { PrismaClient } from '../../db/prisma';
import { normalizeCallerNumber } from '../../integrations/threecx/caller-number';
import { HttpError } from '../errors';
import { parseOrThrow } from '../validation';

const params = z.object({ callerId: z.string().trim().min(3).max(64) });

/**
 * `DELETE /api/v1/cache/:callerId`: the caller's cached clones are invalidated at once (the next
 * call clones afresh) and the cleanup Schedule is triggered, whose worker deletes the voices at
 * ElevenLabs with retries. Voice deletion stays in the worker, where ElevenLabs calls live.
 */
export function cacheRouter({ config, temporal, prisma }: { config: Config; temporal: Client; prisma: PrismaClient }): Router {
  const router = Router();
  router.delete('/api/v1/cache/:callerId', async (req, res) => {
    const { callerId: raw } = parseOrThrow(params, req.params, 'caller id');
    const caller = normalizeCallerNumber(raw, config.call.defaultCountry);
    if (!caller.e164) throw new HttpError(400, 'validation_failed', `Invalid caller id: callerId: not a phone number (${caller.kind})`, [{ field: 'callerId', message: 'not a phone number' }]);
    const { count } = await prisma.voiceCloneCache.updateMany({ where: { callerId: caller.e164, deletedAt: null }, data: { deletedAt: new Date() } });
    let voiceDeletion: 'scheduled' | 'next_cleanup' = 'next_cleanup';
    if (count > 0) {
      try {
        await temporal.schedule.getHandle(CACHE_CLEANUP_SCHEDULE_ID).trigger();
        voiceDeletion = 'scheduled';
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    }
    res.json({ caller_id: caller.e164, invalidated: count, voice_deletion: count > 0 ? voiceDeletion : 'nothing_to_delete' });
  });
  return router;
}
