import { ActivityFailure, ApplicationFailure, condition, getExternalWorkflowHandle, isCancellation, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cloneStatusQuery, subscribeToCloneSignal, unsubscribeFromCloneSignal, voiceResultSignal } from '../contracts/messages';
import { NO_VOICE_SAMPLE } from '../contracts/retry';
import type { VoiceCloneInput, VoiceCloneResult, VoiceCloneStatus } from '../contracts/voice-clone';
import { cloneAttempt } from './activity-options';
import { databaseStep } from './database-writes';


/** Late subscribers (a call that joined while the result was being sent) get this long to show up. */
const LATE_SUBSCRIBER_GRACE = '1 second';

/**
 * The clone job of one caller, id `clone-<callerE164>`: every call from that caller subscribes,
 * exactly one ElevenLabs clone request is made, and every subscriber gets the result. It runs to
 * the end even when all calls have given up waiting, so the cache is warm for the next call.
 */
export async function voiceCloneWorkflow(input: VoiceCloneInput): Promise<VoiceCloneResult> {
  const subscribers = new Set<string>();
  const notified = new Set<string>();
  const status: VoiceCloneStatus = { callerId: input.callerId, state: 'cloning', startedAt: new Date().toISOString(), subscribers: [], result: null };
  setHandler(subscribeToCloneSignal, ({ callWorkflowId }) => {
    subscribers.add(callWorkflowId);
    notified.delete(callWorkflowId);
  });
  setHandler(unsubscribeFromCloneSignal, ({ callWorkflowId }) => {
    subscribers.delete(callWorkflowId);
  });
  setHandler(cloneStatusQuery, () => ({ ...status, subscribers: [...subscribers] }));

  const result = await obtainVoice(input);
  status.result = result;
  status.state = result.ok ? 'ready' : 'failed';

  const pending = () => [...subscribers].filter((id) => !notified.has(id));
  do {
    await Promise.all(
      pending().map(async (id) => {
        notified.add(id);
        // A call that already ended cannot be signalled; that is fine.
        await getExternalWorkflowHandle(id)
          .signal(voiceResultSignal, result)
          .catch(() => undefined);
      }),
    );
  } while (pending().length > 0 || (await condition(() => pending().length > 0, LATE_SUBSCRIBER_GRACE)));
  return result;
}

async function obtainVoice(input: VoiceCloneInput): Promise<VoiceCloneResult> {
  // v5: the job's database steps are local activities (one marker each instead of an activity and a workflow task).
  const local = patched('database-steps-as-local-activities');
  const findCachedVoice = databaseStep('findCachedVoice', 'Re-check the clone cache', local);
  const saveClonedVoice = databaseStep('saveClonedVoice', 'Cache the clone and log it', local);
  const recordCloneAttemptFailed = databaseStep('recordCloneAttemptFailed', 'Log the failed clone attempt', local);
  const cached = await findCachedVoice({ callerId: input.callerId, countReuse: false });
  if (cached) {
    return { ok: true, callerId: input.callerId, voiceId: cached.voiceId, source: 'cache', cloneDurationMs: null, completedAt: new Date().toISOString() };
  }
  const started = Date.now();
  const { cloneVoice } = proxyActivities<Activities>({ ...cloneAttempt(input.cloneTimeoutSeconds), summary: 'Clone the caller’s voice at ElevenLabs' });
  try {
    const clone = await cloneVoice({ callerId: input.callerId, timeoutSeconds: input.cloneTimeoutSeconds });
    await saveClonedVoice({
      callerId: input.callerId,
      voiceId: clone.voiceId,
      ttlSeconds: input.cacheTtlSeconds,
      apiResponseTimeMs: clone.apiResponseTimeMs,
      sampleSizeBytes: clone.sampleSizeBytes,
    });
    return { ok: true, callerId: input.callerId, voiceId: clone.voiceId, source: 'clone', cloneDurationMs: Date.now() - started, completedAt: new Date().toISOString() };
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const type = cause instanceof ApplicationFailure ? cause.type : null;
    const message = cause instanceof Error ? cause.message : String(cause);
    // v2: a caller without a sample made no attempt at ElevenLabs; voice_clone_log is for attempts.
    if (type !== NO_VOICE_SAMPLE || !patched('no-sample-is-not-a-clone-attempt')) {
      await recordCloneAttemptFailed({ callerId: input.callerId, errorMessage: `${type ?? 'Error'}: ${message}` });
    }
    return {
      ok: false,
      callerId: input.callerId,
      reason: type === NO_VOICE_SAMPLE ? 'no_sample' : 'clone_failed',
      message,
      completedAt: new Date().toISOString(),
    };
  }
}
