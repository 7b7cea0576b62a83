import { Router, type Request } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { handOffNowUpdate, retryCloneUpdate, statusQuery, useDefaultVoiceUpdate } from '../../contracts/messages';
import type { Logger } from '../../logger';
import { HttpError } from '../errors';
import { describeCall } from '../call-handle';
import { parseCallId } from '../params';

const UPDATES = {
  'use-default-voice': useDefaultVoiceUpdate,
  'retry-clone': retryCloneUpdate,
  'hand-off-now': handOffNowUpdate,
} as const;

/** How long `cancel` waits for the call's cleanup (closing message, call log marked cancelled, clone job released). */
const CANCEL_WAIT_MS = 15_000;

/**
 * Operator actions on a running call. Steering is one workflow Update each (the same ones the
 * Temporal CLI and Web UI can send): the workflow validates it — refused with the reason when it
 * cannot apply (closed call, already handed off, nothing to clone) — and answers with the new
 * status in the same round trip. Cancel is a workflow cancellation, which runs the cleanup.
 */
export function callActionsRouter({ temporal, log }: { temporal: Client; log: Logger }): Router {
  const router = Router();

  async function runningCall(req: Request): Promise<WorkflowHandle> {
    const callId = parseCallId(req.params);
    const { handle, description } = await describeCall(temporal, callId);
    if (description.status.name !== 'RUNNING') {
      throw new HttpError(409, 'call_closed', `Call ${callId} is already ${description.status.name.toLowerCase()}`, { workflow_status: description.status.name });
    }
    return handle;
  }

  router.post('/calls/:callId/cancel', async (req, res) => {
    const handle = await runningCall(req);
    await closingRace(handle.workflowId, () => handle.cancel());
    // Wait for the cleanup so the answer shows the call's final state.
    await temporal.withDeadline(Date.now() + CANCEL_WAIT_MS, () => handle.result()).catch(() => undefined);
    const status = await handle.query(statusQuery);
    log.info({ workflowId: handle.workflowId, action: 'cancel' }, 'operator cancelled the call');
    res.status(202).json({ action: 'cancel', status });
  });

  for (const [action, update] of Object.entries(UPDATES)) {
    router.post(`/calls/:callId/${action}`, async (req, res) => {
      const handle = await runningCall(req);
      try {
        const status = await closingRace(handle.workflowId, () => handle.executeUpdate(update));
        log.info({ workflowId: handle.workflowId, action }, 'operator action');
        res.status(200).json({ action, status });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new HttpError(409, 'action_refused', `${action} refused: ${err.cause?.message ?? err.message}`);
        }
        throw err;
      }
    });
  }

  return router;
}

/** The call closed between the check that it runs and the action: the same answer as a closed call. */
async function closingRace<T>(workflowId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'call_closed', `Call ${workflowId} closed meanwhile`);
    throw err;
  }
}
