import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { PrismaClient } from '../../db/prisma';
import { invalidateCallerClones } from '../../db/voice-cache';
import { triggerCacheCleanup } from '../admin/cache-cleanup-trigger';
import { parseCallerId } from '../params';

/**
 * `DELETE /api/v1/cache/:callerId`: the caller's cached clones are invalidated at once (the next
 * call clones afresh) and the cleanup Schedule is triggered, whose worker deletes the voices at
 * ElevenLabs with retries (a voice a live call is using, after that call).
 */
export function cacheRouter({ config, temporal, prisma }: { config: Config; temporal: Client; prisma: PrismaClient }): Router {
  const router = Router();
  router.delete('/api/v1/cache/:callerId', async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const invalidated = await invalidateCallerClones(prisma, callerId);
    const voiceDeletion = invalidated > 0 ? await triggerCacheCleanup(temporal) : 'nothing_to_delete';
    res.json({ caller_id: callerId, invalidated, voice_deletion: voiceDeletion });
  });
  return router;
}
