import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { callWorkflowId, type CallInput, type CallerNumber } from '../contracts/call';
import { CallerIdKey, CallPhaseKey, ThreeCxCallIdKey } from '../contracts/search-attributes';
import { normalizeCallerNumber } from '../integrations/threecx/caller-number';
import { DEFAULT_PBX, type ThreeCxEvent } from '../integrations/threecx/payload';
import type { callWorkflow } from '../workflows/call';

export interface StartedCall {
  workflowId: string;
  runId: string | undefined;
  duplicate: boolean;
}

/** The CallerId search attribute: the number itself, or a hash of it (phone numbers are personal data). */
export function callerSearchValue(caller: CallerNumber, mode: Config['call']['callerIdSearchAttribute']): string {
  const value = caller.e164 ?? caller.kind;
  if (mode === 'number' || caller.e164 === null) return value;
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}

export function buildCallInput(event: ThreeCxEvent, config: Config, receivedAt: Date): CallInput {
  const pbx = event.pbx ?? DEFAULT_PBX;
  const caller = normalizeCallerNumber(event.caller_id, config.call.defaultCountry);
  return {
    callId: callWorkflowId(pbx, event.call_id),
    pbx,
    threecxCallId: event.call_id,
    caller,
    dialTarget: dialTarget(config.elevenlabs.dialTarget, caller, event, pbx),
    calledNumber: event.called_number,
    direction: event.direction,
    occurredAt: new Date(event.timestamp).toISOString(),
    receivedAt: receivedAt.toISOString(),
    settings: {
      greetingVoiceId: config.greeting.voiceId,
      greetingMessage: config.greeting.message,
      holdMusicUrl: config.greeting.musicEnabled ? (config.greeting.musicUrl ?? null) : null,
      defaultVoiceId: config.call.defaultVoiceId,
      transferMessage: config.call.transferMessage,
      cloneMaxWaitSeconds: config.call.cloneMaxWaitSeconds,
      autoTransitionEnabled: config.call.autoTransitionEnabled,
      maxCallDurationSeconds: config.call.maxCallDurationSeconds,
      postCallGraceSeconds: config.call.postCallGraceSeconds,
      cacheTtlSeconds: config.cache.ttlSeconds,
      cloneTimeoutSeconds: config.clone.timeoutSeconds,
    },
  };
}

/** ELEVENLABS_DIAL_TARGET filled in for this call; null when it needs a number the caller withheld. */
export function dialTarget(template: string, caller: CallerNumber, event: ThreeCxEvent, pbx: string): string | null {
  const callerNumber = caller.e164 ?? (caller.kind === 'internal' ? caller.raw.replace(/^ext\.?\s*/i, '') : null);
  if (template.includes('{caller}') && !callerNumber) return null;
  return template
    .replaceAll('{caller}', callerNumber ?? '')
    .replaceAll('{called}', event.called_number)
    .replaceAll('{threecx_call_id}', event.call_id)
    .replaceAll('{pbx}', pbx);
}

/**
 * Starts the call's workflow exactly once. The id is derived from the 3CX call id and a closed
 * execution with that id also refuses a new start (REJECT_DUPLICATE), so a webhook re-delivered
 * while the call runs, or after it ended, never places a second greeting. `FAIL` on conflict
 * (instead of `USE_EXISTING`) tells us it was a duplicate; the caller gets the same workflow id.
 */
export async function startCallWorkflow(client: Client, taskQueue: string, input: CallInput, config: Config): Promise<StartedCall> {
  try {
    const handle = await client.workflow.start<typeof callWorkflow>('callWorkflow', {
      workflowId: input.callId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CallPhaseKey, value: 'received' },
        { key: CallerIdKey, value: callerSearchValue(input.caller, config.call.callerIdSearchAttribute) },
        { key: ThreeCxCallIdKey, value: input.threecxCallId },
      ],
      memo: { calledNumber: input.calledNumber, startedAt: input.receivedAt },
      staticSummary: `Call from ${input.caller.e164 ? maskForSummary(input.caller.e164, config) : input.caller.kind} to ${input.calledNumber || 'unknown'}`,
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, duplicate: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: input.callId, runId: undefined, duplicate: true };
    throw err;
  }
}

function maskForSummary(e164: string, config: Config): string {
  return config.call.callerIdSearchAttribute === 'number' ? e164 : `${e164.slice(0, 4)}…${e164.slice(-2)}`;
}
