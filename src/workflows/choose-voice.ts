import { condition, uuid4 } from '@temporalio/workflow';
import type { VoiceCloneResult } from '../contracts/voice-clone';
import { findCachedVoice, recordCloneFailed, recordCloneReady, subscribeToVoiceClone } from './call-activities';
import type { CallState, VoiceChoice } from './call-state';

/**
 * The caller's voice: a cached clone (no clone at all), or the caller's clone job raced against
 * CLONE_MAX_WAIT_SECONDS; the default voice when there is no number to clone, no sample, no
 * consent, the clone fails or is too slow, or an operator says so. A clone that finishes after the
 * fallback still fills the cache: the job runs on without this call.
 */
export async function chooseVoice(call: CallState, { retry: retryFirst = false } = {}): Promise<VoiceChoice> {
  const caller = call.input.caller;
  if (!caller.e164) return call.defaultVoice(caller.kind === 'internal' ? 'internal_caller' : 'caller_withheld');
  // The look-up marks the call's row with the voice (a voice in use is never evicted): the row must exist.
  await call.recorded;
  const cached = await findCachedVoice({ callerId: caller.e164, callId: call.input.callId, countReuse: true });
  if (cached) return { source: 'cache', voiceId: cached.voiceId, fallbackReason: null };
  let retry = retryFirst;
  for (;;) {
    const result = await waitForClone(call, caller.e164, retry);
    if (result === 'default') {
      call.requests.useDefaultVoice = false;
      return call.defaultVoice('operator_requested');
    }
    if (result === 'retry') {
      retry = true;
      continue;
    }
    if (result === 'timeout') return call.defaultVoice('clone_timeout');
    recordOutcome(call, caller.e164, result);
    if (result.ok) return { source: result.source, voiceId: result.voiceId, fallbackReason: null };
    call.noteError(result.message);
    return call.defaultVoice(result.reason === 'clone_failed' ? 'clone_failed' : result.reason);
  }
}

type WaitOutcome = VoiceCloneResult | 'timeout' | 'default' | 'retry';

async function waitForClone(call: CallState, callerE164: string, retry: boolean): Promise<WaitOutcome> {
  const s = call.settings;
  const requestId = uuid4();
  call.voiceResult = undefined;
  // Set before subscribing: the job may answer before the subscription's own reply is processed.
  call.cloneRequestId = requestId;
  await subscribeToVoiceClone({
    input: {
      callerId: callerE164,
      cacheTtlSeconds: s.cacheTtlSeconds,
      cloneTimeoutSeconds: s.cloneTimeoutSeconds,
      requireConsent: s.requireCloneConsent,
      maxCallDurationSeconds: s.maxCallDurationSeconds,
    },
    callWorkflowId: call.input.callId,
    requestId,
    retry,
  });
  call.cloneSubscriptions += 1;
  call.requests.retryClone = false;
  call.status.steps.cloning = call.now();
  call.setPhase('cloning');
  const wanted = () => call.voiceResult !== undefined || call.requests.useDefaultVoice || call.requests.handOffNow || call.requests.retryClone;
  await condition(wanted, `${s.cloneMaxWaitSeconds} seconds`, {
    summary: `Wait up to ${s.cloneMaxWaitSeconds}s for the cloned voice, then use the default voice`,
  });
  // A result that arrived in the same activation as the timer still counts: the voice is there.
  if (call.voiceResult) return call.voiceResult;
  if (call.requests.retryClone) return 'retry';
  if (call.requests.useDefaultVoice || call.requests.handOffNow) return 'default';
  return 'timeout';
}

function recordOutcome(call: CallState, callerE164: string, result: VoiceCloneResult): void {
  const callId = call.input.callId;
  if (result.ok) {
    const cloneDurationMs = result.cloneDurationMs ?? Date.parse(result.completedAt) - Date.parse(call.status.steps.cloning ?? result.completedAt);
    const id = uuid4();
    call.track(() => recordCloneReady({ id, callerId: callerE164, callId, voiceId: result.voiceId, cloneDurationMs }));
  } else if (result.reason === 'clone_failed') {
    const id = uuid4();
    call.track(() => recordCloneFailed({ id, callerId: callerE164, callId, errorMessage: `${result.reason}: ${result.message}` }));
  }
}
