import { allHandlersFinished, condition, isCancellation } from '@temporalio/workflow';
import type { CallFailureReason, CallOutcome, TerminalPhase } from '../contracts/call';
import { finalizeCallLog, gatewaySteps, releaseVoiceClone } from './call-activities';
import type { CallState } from './call-state';
import { failureMessage } from './hand-off';

/**
 * Every path out of the call comes here: pending writes settle (a failed one never blocks the
 * close), the clone job is left if the call still waits on it, and call_log gets its final row.
 */
export async function finish(call: CallState, phase: TerminalPhase, failureReason: CallFailureReason | null = null): Promise<CallOutcome> {
  const { status, input } = call;
  await call.settleRecords();
  if (input.caller.e164 && call.cloneRequestId && !call.voiceResult) {
    await releaseVoiceClone({ callerId: input.caller.e164, callWorkflowId: input.callId }).catch((err: unknown) => {
      if (isCancellation(err)) throw err;
      call.noteError(`Leaving the clone job failed: ${failureMessage(err)}`);
    });
  }
  const completion = call.completion;
  const endedAt = call.ended?.endedAt ?? call.now();
  status.failureReason = failureReason;
  status.steps.ended = endedAt;
  await finalizeCallLog({
    callId: input.callId,
    status: phase,
    endedAt,
    durationSeconds: completion?.durationSeconds ?? call.ended?.durationSeconds ?? null,
    transcript: completion?.transcript ?? null,
    clonedVoiceId: status.voice.voiceId,
    metadata: {
      voice_source: status.voice.source,
      fallback_reason: status.voice.fallbackReason,
      failure_reason: failureReason,
      last_error: status.lastError,
      handoff_mode: status.handoffMode,
      agent_conversation_id: status.conversationId,
      sip_number: status.sipNumber,
      handoff_attempts: status.handoffAttempts,
      fallback: status.fallback,
      hold_ms: status.media.holdMs,
      dead_air_ms: status.media.deadAirMs,
      end_reason: call.ended?.reason ?? completion?.status ?? null,
      recording_url: call.ended?.recordingUrl ?? null,
      steps: status.steps,
    },
  });
  call.setPhase(phase);
  // Operator updates still waiting for an answer get it before the workflow closes.
  await condition(allHandlersFinished);
  const { callId, voice, conversationId, steps, media, fallback, lastError } = status;
  return { callId, phase, voice, conversationId, steps, media, fallback, failureReason, lastError };
}

/**
 * An operator cancelled the call (our API, the Web UI or `temporal workflow cancel`). Runs in a
 * non-cancellable scope: the caller hears the cancel message and goes to the fallback destination
 * (or is dropped), never a silent hang-up; then the call is finalised as `cancelled`.
 */
export async function cancelCall(call: CallState): Promise<CallOutcome> {
  const participantId = call.status.participantId;
  const leftUs = call.status.handoffMode === 'sip' && call.status.phase === 'in_agent_call';
  if (participantId !== null && !call.callerGone && !leftUs) {
    const { endCall } = gatewaySteps(call.input);
    const message = { voiceId: call.settings.greetingVoiceId, text: call.settings.cancelMessage };
    await endCall({ callId: call.input.callId, participantId, message, routeTo: call.settings.fallbackDestination, routeTimeoutSeconds: 15 }).catch((err: unknown) => {
      call.noteError(`Ending the call on cancel failed: ${failureMessage(err)}`);
    });
  }
  return finish(call, 'cancelled');
}
