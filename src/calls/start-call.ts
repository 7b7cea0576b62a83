import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { callWorkflowId, type CallerNumber, type CallInput } from '../contracts/call';
import { CallerIdKey, CallPhaseKey, ThreeCxCallIdKey } from '../contracts/search-attributes';
import { maskPhoneNumber } from '../logger';
import { callerKey } from '../temporal/caller-key';
import type { callWorkflow } from '../workflows/call';
import { buildCallInput, type CallArrival } from './call-input';

export interface StartedCall {
  workflowId: string;
  input: CallInput;
  /** Another event source (the gateway, a re-delivered webhook) started this call already. */
  duplicate: boolean;
}

/** The CallerId search attribute: the number itself, or a hash of it (phone numbers are personal data). */
export function callerSearchValue(caller: CallerNumber, mode: Config['call']['callerIdSearchAttribute']): string {
  if (caller.e164 === null) return caller.kind;
  return mode === 'number' ? caller.e164 : `sha256:${callerKey(caller.e164)}`;
}

/**
 * Starts the call's workflow exactly once, whoever sees the call first: the gateway (a new
 * participant on its route point, again after a reconnect, a second gateway) or a webhook. The
 * id comes from the PBX and the 3CX call id, and a closed execution with that id also refuses a
 * new start (REJECT_DUPLICATE), so no event ever greets a caller twice. `FAIL` on conflict
 * (instead of `USE_EXISTING`) tells the caller it was a duplicate; the workflow id is the same.
 */
export async function startCallWorkflow(client: Client, config: Config, arrival: CallArrival): Promise<StartedCall> {
  const workflowId = callWorkflowId(arrival.pbx, arrival.threecxCallId);
  const input = buildCallInput(arrival, config, workflowId);
  try {
    await client.workflow.start<typeof callWorkflow>('callWorkflow', {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CallPhaseKey, value: 'holding' },
        { key: CallerIdKey, value: callerSearchValue(input.caller, config.call.callerIdSearchAttribute) },
        { key: ThreeCxCallIdKey, value: input.threecxCallId },
      ],
      memo: { calledNumber: input.calledNumber, startedAt: input.receivedAt, source: input.source },
      staticSummary: `Call from ${summaryCaller(input.caller, config)} to ${input.calledNumber || 'unknown'}`,
    });
    return { workflowId, input, duplicate: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, input, duplicate: true };
    throw err;
  }
}

function summaryCaller(caller: CallerNumber, config: Config): string {
  if (!caller.e164) return caller.kind;
  return config.call.callerIdSearchAttribute === 'number' ? caller.e164 : maskPhoneNumber(caller.e164);
}
