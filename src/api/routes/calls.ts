import { Router } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../../db/prisma';
import { statusQuery } from '../../contracts/messages';
import type { Logger } from '../../logger';
import { HttpError } from '../errors';
import { describeCall } from '../call-handle';
import { parseCallId } from '../params';

export interface CallsDeps {
  temporal: Client;
  prisma: PrismaClient;
  log: Logger;
  /** How long the status endpoint waits for a worker to answer the query. */
  queryTimeoutMs?: number;
}

export function callsRouter({ temporal, prisma, log, queryTimeoutMs = 3000 }: CallsDeps): Router {
  const router = Router();

  /** The call's live state, answered by the workflow itself through its `status` query. */
  router.get('/calls/:callId', async (req, res) => {
    const callId = parseCallId(req.params);
    const handle = temporal.workflow.getHandle(callId);
    try {
      const status = await temporal.withDeadline(Date.now() + queryTimeoutMs, () => handle.query(statusQuery));
      res.json({ source: 'workflow', status });
      return;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `No call ${callId}`);
      log.warn({ err, workflowId: callId }, 'status query unanswered: falling back to describe and call_log');
    }
    // No worker answered: say so, and show what the server and the database know.
    const { description } = await describeCall(temporal, callId);
    const row = await prisma.callLog.findUnique({ where: { callId } });
    res.json({
      source: 'history',
      note: 'No worker answered the status query; this is the last state recorded by Temporal and the call log.',
      workflow: {
        status: description.status.name,
        startTime: description.startTime.toISOString(),
        closeTime: description.closeTime?.toISOString() ?? null,
        phase: description.typedSearchAttributes.getAll().find((p) => p.key.name === 'CallPhase')?.value ?? null,
      },
      call_log: row,
    });
  });

  return router;
}
