import { Router, type Request } from 'express';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { CallStatus } from '../../contracts/call';
import { retryCloneSignal, statusQuery, transferNowSignal, useDefaultVoiceNowSignal } from '../../contracts/messages';
import type { Logger } from '../../logger';
import { HttpError } from '../errors';
import { parseCallId } from '../params';

const SIGNALS = {
  'use-default-voice': useDefaultVoiceNowSignal,
  'retry-clone': retryCloneSignal,
  'transfer-now': transferNowSignal,
} as const;

/** How long `cancel` waits for the call's cleanup (call log marked cancelled, clone job released). */
const CANCEL_WAIT_MS = 10_000;

/**
 * Operator actions on a running call. Each is the same signal or cancellation an operator can send
 * from the Temporal Web UI or `temporal workflow signal|cancel`, and answers with the call's status.
 */
export function callActionsRouter({ temporal, log }: { temporal: Client; log: Logger }): Router {
  const router = Router();

  async function runningCall(req: Request): Promise<WorkflowHandle> {
    const callId = parseCallId(req.params);
    const handle = temporal.workflow.getHandle(callId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `No call ${callId}`);
      throw err;
    }
    if (description.type !== 'callWorkflow') throw new HttpError(404, 'unknown_call', `No call ${callId}`);
    if (description.status.name !== 'RUNNING') {
      throw new HttpError(409, 'call_closed', `Call ${callId} is already ${description.status.name.toLowerCase()}`, { workflow_status: description.status.name });
    }
    return handle;
  }

  router.post('/calls/:callId/cancel', async (req, res) => {
    const handle = await runningCall(req);
    await handle.cancel();
    // Wait for the cleanup to finish so the answer shows the call's final state.
    await temporal.withDeadline(Date.now() + CANCEL_WAIT_MS, () => handle.result()).catch(() => undefined);
    const status = await handle.query(statusQuery);
    log.info({ workflowId: handle.workflowId, action: 'cancel' }, 'operator cancelled the call');
    res.status(202).json({ action: 'cancel', status });
  });

  for (const [action, signal] of Object.entries(SIGNALS)) {
    router.post(`/calls/:callId/${action}`, async (req, res) => {
      const handle = await runningCall(req);
      await handle.signal(signal);
      // A query after a signal is answered once the workflow has processed that signal.
      const status: CallStatus = await handle.query(statusQuery);
      log.info({ workflowId: handle.workflowId, action }, 'operator action');
      res.status(202).json({ action, status });
    });
  }

  return router;
}
