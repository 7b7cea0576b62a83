import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import type { CallFailureReason, CallInput, CallOutcome } from '../contracts/call';
import { gatewaySteps, HOLD_WAIT_SECONDS, recordCallStarted } from './call-activities';
import { CallState, type VoiceChoice } from './call-state';
import { chooseVoice } from './choose-voice';
import { awaitConversationEnd } from './conversation';
import { cancelCall, finish } from './finish-call';
import { failureMessage, failureType, handOff, routeToFallback } from './hand-off';

/**
 * One execution per phone call (id from the PBX and the 3CX call id). On the call the caller
 * made: greeting and hold music at once, the caller's voice found meanwhile (cache, clone job, or
 * the default voice), then the ElevenLabs agent speaking in it, then the post-call data. Every
 * path out writes the call's final row; the `status` query answers at any time.
 */
export async function callWorkflow(input: CallInput): Promise<CallOutcome> {
  const call = new CallState(input);
  call.recordCall(async () => {
    await recordCallStarted(input);
    call.step('recorded');
  });
  try {
    const hold = await holdTheCaller(call);
    if (hold !== 'held') return await finish(call, hold === 'caller_gone' ? 'abandoned' : 'failed', hold === 'caller_gone' ? null : hold);

    const voice = await call.unlessCallerLeaves(() => chooseVoice(call));
    const approved = voice && (await awaitOperator(call, voice));
    if (!approved) return await finish(call, 'abandoned');
    call.setVoice(approved);
    call.step('voiceReady');

    const handoff = await handOff(call, approved);
    if (handoff.kind === 'caller_gone') return await finish(call, 'abandoned');
    if (handoff.kind === 'failed') return await failAfterFallback(call, handoff.reason);

    const broken = await awaitConversationEnd(call);
    if (broken) return await failAfterFallback(call, broken);
    return await finish(call, 'completed');
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => cancelCall(call));
      throw err;
    }
    call.noteError(failureMessage(err));
    return await finish(call, 'failed', 'internal_error');
  }
}

/** Greeting, then hold music, on the live call (usually already playing: the gateway starts it on sight). */
async function holdTheCaller(call: CallState): Promise<'held' | 'caller_gone' | CallFailureReason> {
  const { holdCaller } = gatewaySteps(call.input);
  const s = call.settings;
  try {
    const held = await call.unlessCallerLeaves(() =>
      holdCaller({
        callId: call.input.callId,
        threecxCallId: call.input.threecxCallId,
        participantId: call.input.participantId,
        greeting: { voiceId: s.greetingVoiceId, text: s.greetingMessage },
        waitForParticipantSeconds: HOLD_WAIT_SECONDS,
      }),
    );
    if (!held) return 'caller_gone';
    call.status.participantId = held.participantId;
    call.status.steps.greeting = held.greetingStartedAt;
    return 'held';
  } catch (err) {
    if (isCancellation(err)) throw err;
    const type = failureType(err);
    if (type === 'CallerGoneError' || call.callerGone) return 'caller_gone';
    call.noteError(failureMessage(err));
    return type === 'NotOnRoutePointError' ? 'not_on_route_point' : 'hold_failed';
  }
}

/**
 * With AUTO_TRANSITION_ENABLED=false the caller holds until an operator hands off; meanwhile the
 * operator may switch to the default voice or ask for the clone again. Each request is consumed
 * once, so the loop always waits for something new.
 */
async function awaitOperator(call: CallState, voice: VoiceChoice): Promise<VoiceChoice | null> {
  let choice = voice;
  const { requests } = call;
  for (;;) {
    call.setVoice(choice);
    if (call.settings.autoTransitionEnabled || requests.handOffNow) return choice;
    call.setPhase('awaiting_operator');
    await condition(() => requests.handOffNow || requests.retryClone || requests.useDefaultVoice || call.callerGone);
    if (call.callerGone) return null;
    if (requests.handOffNow) return choice;
    if (requests.useDefaultVoice) {
      requests.useDefaultVoice = false;
      choice = call.defaultVoice('operator_requested');
      continue;
    }
    const again = await call.unlessCallerLeaves(() => chooseVoice(call, { retry: true }));
    if (!again) return null;
    choice = again;
  }
}

/** The agent could not take (or keep) the call: fallback destination or message, then `failed`. */
async function failAfterFallback(call: CallState, reason: CallFailureReason): Promise<CallOutcome> {
  if (!call.callerGone) await routeToFallback(call, reason);
  return finish(call, 'failed', reason);
}
