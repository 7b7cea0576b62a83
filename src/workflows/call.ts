import {
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CallCompletedEvent, CallEndedEvent, CallInput, CallOutcome, CallPhase, CallStatus } from '../contracts/call';
import { callCompletedSignal, callEndedSignal, statusQuery } from '../contracts/messages';
import { CallPhaseKey } from '../contracts/search-attributes';

// Database writes retry until they succeed: a PostgreSQL outage delays the record, never loses it.
const databaseRetry = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' };

const { recordCallStarted } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: databaseRetry,
  summary: 'Record the call in call_log',
});
const { finalizeCallLog } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: databaseRetry,
  summary: 'Write the call outcome to call_log',
});

/** One execution per phone call, id `call-<pbx>-<3cxCallId>`. */
export async function callWorkflow(input: CallInput): Promise<CallOutcome> {
  const status: CallStatus = {
    callId: input.callId,
    pbx: input.pbx,
    threecxCallId: input.threecxCallId,
    phase: 'received',
    caller: input.caller,
    calledNumber: input.calledNumber,
    voice: { source: null, voiceId: null, fallbackReason: null },
    conversations: { greeting: null, agent: null },
    steps: { received: input.receivedAt },
    lastError: null,
  };
  let ended: CallEndedEvent | undefined;
  const completions: CallCompletedEvent[] = [];

  setHandler(statusQuery, () => status);
  setHandler(callEndedSignal, (event) => {
    ended ??= event;
  });
  setHandler(callCompletedSignal, (event) => {
    if (!completions.some((c) => c.kind === event.kind && c.conversationId === event.conversationId)) completions.push(event);
  });

  const setPhase = (phase: CallPhase): void => {
    status.phase = phase;
    upsertSearchAttributes([{ key: CallPhaseKey, value: phase }]);
  };
  const finish = async (phase: 'completed' | 'failed' | 'cancelled', metadata: Record<string, unknown>): Promise<CallOutcome> => {
    const endedAt = ended?.endedAt ?? new Date().toISOString();
    const completion = completions.at(-1);
    await finalizeCallLog({
      callId: input.callId,
      status: phase,
      endedAt,
      durationSeconds: completion?.durationSeconds ?? ended?.durationSeconds ?? null,
      transcript: completion?.transcript ?? null,
      clonedVoiceId: status.voice.source === 'default' ? null : status.voice.voiceId,
      metadata: { ...metadata, end_reason: ended?.reason ?? null },
    });
    status.steps.ended = endedAt;
    setPhase(phase);
    const { callId, voice, conversations, steps, lastError } = status;
    return { callId, phase, voice, conversations, steps, lastError };
  };

  try {
    await recordCallStarted(input);
    status.steps.recorded = new Date().toISOString();
    const endedInTime = await condition(
      () => ended !== undefined || completions.length > 0,
      `${input.settings.maxCallDurationSeconds} seconds`,
    );
    return await finish('completed', endedInTime ? {} : { note: 'maximum call duration reached without an end event' });
  } catch (err) {
    if (isCancellation(err)) {
      // The root scope is cancelled: cleanup must run in a scope that cannot be cancelled.
      await CancellationScope.nonCancellable(() => finish('cancelled', { cancelled_by: 'operator' }));
    }
    throw err;
  }
}
