import { Router } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config';
import { voiceCloneWorkflowId } from '../../contracts/voice-clone';
import type { PrismaClient } from '../../db/prisma';
import { normalizeCallerNumber } from '../../integrations/threecx/caller-number';
import { HttpError } from '../errors';
import { parseOrThrow } from '../validation';

const params = z.object({ callerId: z.string().trim().min(3).max(64) });

/** Whether a caller's cloned voice is ready: the cache, else whether their clone job is running. */
export function cloneStatusRouter({ config, temporal, prisma }: { config: Config; temporal: Client; prisma: PrismaClient }): Router {
  const router = Router();
  router.get('/api/clone-status/:callerId', async (req, res) => {
    const { callerId: raw } = parseOrThrow(params, req.params, 'caller id');
    const caller = normalizeCallerNumber(raw, config.call.defaultCountry);
    if (!caller.e164) throw new HttpError(400, 'validation_failed', `Invalid caller id: callerId: not a phone number (${caller.kind})`, [{ field: 'callerId', message: 'not a phone number' }]);
    const cached = await prisma.voiceCloneCache.findFirst({
      where: { callerId: caller.e164, deletedAt: null, ttlExpiresAt: { gt: new Date() } },
      orderBy: { createdAt: 'desc' },
    });
    if (cached) {
      res.json({ caller_id: caller.e164, clone_ready: true, cloned_voice_id: cached.clonedVoiceId, status: 'ready', expires_at: cached.ttlExpiresAt.toISOString() });
      return;
    }
    let running = false;
    try {
      running = (await temporal.workflow.getHandle(voiceCloneWorkflowId(caller.e164)).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    res.json({ caller_id: caller.e164, clone_ready: false, cloned_voice_id: null, status: running ? 'cloning' : 'not_started', expires_at: null });
  });
  return router;
}
