import { Router } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import { voiceCloneWorkflowId } from '../../temporal/caller-key';
import type { PrismaClient } from '../../db/prisma';
import { findLiveClone } from '../../db/voice-cache';
import { parseCallerId } from '../params';

/** Whether a caller's cloned voice is ready: the cache, else whether their clone job is running. */
export function cloneStatusRouter({ config, temporal, prisma }: { config: Config; temporal: Client; prisma: PrismaClient }): Router {
  const router = Router();
  router.get('/api/clone-status/:callerId', async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const cached = await findLiveClone(prisma, callerId);
    if (cached) {
      res.json({ caller_id: callerId, clone_ready: true, cloned_voice_id: cached.voiceId, status: 'ready', expires_at: cached.expiresAt.toISOString() });
      return;
    }
    let running = false;
    try {
      running = (await temporal.workflow.getHandle(voiceCloneWorkflowId(callerId)).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    res.json({ caller_id: callerId, clone_ready: false, cloned_voice_id: null, status: running ? 'cloning' : 'not_started', expires_at: null });
  });
  return router;
}
