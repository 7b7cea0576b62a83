import { ActivityFailure, ApplicationFailure, condition, getExternalWorkflowHandle, isCancellation, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { CALL_FAILURES } from '../contracts/failures';
import { cloneStatusQuery, subscribeToCloneSignal, unsubscribeFromCloneSignal, voiceResultSignal } from '../contracts/messages';
import type { VoiceCloneFailureReason, VoiceCloneInput, VoiceCloneOutcome as Outcome, VoiceCloneResult, VoiceCloneStatus, VoiceCloneSubscription } from '../contracts/voice-clone';
import { cloneAttempt, localDatabaseWrite } from './activity-options';

/** Late subscribers (a call that joined while the result was being sent) get this long to show up. */
const LATE_SUBSCRIBER_GRACE = '1 second';

const { findCachedVoice } = proxyLocalActivities<Activities>({ ...localDatabaseWrite, summary: 'Re-check the clone cache' });
const { saveClonedVoice } = proxyLocalActivities<Activities>({ ...localDatabaseWrite, summary: 'Cache the clone and log it' });
const { recordCloneAttemptFailed } = proxyLocalActivities<Activities>({ ...localDatabaseWrite, summary: 'Log the failed clone attempt' });

/**
 * The clone job of one caller (id `clone-<hash of the number>`): every call from that caller
 * subscribes, exactly one ElevenLabs clone request is made, and every subscriber gets the result.
 * It runs to the end even when all calls have given up waiting, so the cache is warm for the next
 * call. A call that asks again after a failure (operator retry) makes the job clone once more.
 */
export async function voiceCloneWorkflow(input: VoiceCloneInput): Promise<VoiceCloneResult> {
  const waiting = new Map<string, VoiceCloneSubscription>();
  let retryRequested = false;
  let outcome: Outcome | null = null;
  const status: VoiceCloneStatus = { callerId: input.callerId, state: 'cloning', startedAt: new Date().toISOString(), subscribers: [], result: null };
  setHandler(subscribeToCloneSignal, (subscription) => {
    waiting.set(subscription.callWorkflowId, subscription);
    if (subscription.retry && outcome && !outcome.ok) retryRequested = true;
  });
  setHandler(unsubscribeFromCloneSignal, ({ callWorkflowId }) => {
    waiting.delete(callWorkflowId);
  });
  setHandler(cloneStatusQuery, () => ({ ...status, subscribers: [...waiting.keys()] }));

  for (;;) {
    retryRequested = false;
    status.state = 'cloning';
    outcome = await obtainVoice(input);
    status.result = { ...outcome, requestId: null };
    status.state = outcome.ok ? 'ready' : 'failed';
    await notifyUntilQuiet(outcome, waiting, () => retryRequested);
    if (!retryRequested) return status.result;
  }
}

/** Sends the outcome to every waiting call, then waits a moment for late subscribers (or a retry). */
async function notifyUntilQuiet(outcome: Outcome, waiting: Map<string, VoiceCloneSubscription>, retryRequested: () => boolean): Promise<void> {
  do {
    if (retryRequested()) return;
    const batch = [...waiting.values()];
    waiting.clear();
    await Promise.all(
      batch.map(async ({ callWorkflowId, requestId }) => {
        // A call that already ended cannot be signalled; that is fine.
        await getExternalWorkflowHandle(callWorkflowId)
          .signal(voiceResultSignal, { ...outcome, requestId })
          .catch(() => undefined);
      }),
    );
  } while (waiting.size > 0 || (await condition(() => waiting.size > 0 || retryRequested(), LATE_SUBSCRIBER_GRACE)));
}

async function obtainVoice(input: VoiceCloneInput): Promise<Outcome> {
  const completedAt = () => new Date().toISOString();
  const cached = await findCachedVoice({ callerId: input.callerId, callId: null, countReuse: false });
  if (cached) return { ok: true, callerId: input.callerId, voiceId: cached.voiceId, source: 'cache', cloneDurationMs: null, completedAt: completedAt() };
  const started = Date.now();
  const { cloneVoice } = proxyActivities<Activities>({ ...cloneAttempt(input.cloneTimeoutSeconds), summary: 'Clone the caller’s voice at ElevenLabs' });
  try {
    const { callerId, requireConsent, maxCallDurationSeconds } = input;
    const clone = await cloneVoice({ callerId, timeoutSeconds: input.cloneTimeoutSeconds, requireConsent, maxCallDurationSeconds });
    const saved = await saveClonedVoice({ ...clone, callerId: input.callerId, ttlSeconds: input.cacheTtlSeconds });
    if (!saved.cached) {
      // The sample or the consent was withdrawn (or replaced) while the clone was made: it is not used.
      const reason = saved.reason === 'consent_withdrawn' ? 'no_consent' : 'no_sample';
      return { ok: false, callerId: input.callerId, reason, message: saved.message, completedAt: completedAt() };
    }
    return { ok: true, callerId: input.callerId, voiceId: clone.voiceId, source: 'clone', cloneDurationMs: Date.now() - started, completedAt: completedAt() };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const type = cause instanceof ApplicationFailure ? cause.type : null;
    const message = cause instanceof Error ? cause.message : String(cause);
    const reason = failureReason(type);
    // voice_clone_log is for attempts at ElevenLabs: no sample or no consent made none.
    if (reason === 'clone_failed') await recordCloneAttemptFailed({ callerId: input.callerId, errorMessage: `${type ?? 'Error'}: ${message}` });
    return { ok: false, callerId: input.callerId, reason, message, completedAt: completedAt() };
  }
}

function failureReason(type: string | null | undefined): VoiceCloneFailureReason {
  if (type === CALL_FAILURES.noVoiceSample.type) return 'no_sample';
  if (type === CALL_FAILURES.noCloneConsent.type) return 'no_consent';
  return 'clone_failed';
}
