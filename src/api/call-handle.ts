import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { HttpError } from './errors';

/** The call's workflow and what Temporal knows of it; 404 for an unknown id or a workflow that is not a call. */
export async function describeCall(temporal: Client, callId: string): Promise<{ handle: WorkflowHandle; description: WorkflowExecutionDescription }> {
  const handle = temporal.workflow.getHandle(callId);
  try {
    const description = await handle.describe();
    if (description.type !== 'callWorkflow') throw new HttpError(404, 'unknown_call', `No call ${callId}`);
    return { handle, description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `No call ${callId}`);
    throw err;
  }
}
