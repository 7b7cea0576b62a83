import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { CallFailureReason, FallbackRouting } from '../contracts/call';
import type { DynamicVariables, Utterance } from '../contracts/gateway';
import { gatewaySteps, leaseSipNumber, recordHandoff, releaseSipNumber } from './call-activities';
import type { CallState, VoiceChoice } from './call-state';

export type HandoffResult = { kind: 'agent' } | { kind: 'caller_gone' } | { kind: 'failed'; reason: CallFailureReason };

/** SIP mode: a failed route is tried once more, on another number, before the fallback. */
const SIP_ATTEMPTS = 2;
/**
 * A hang-up during the hand-off: whether the agent took the call is the gateway's to say, and its
 * answer may come late (lost while Temporal was away, then given again by the step's retry after
 * the 5 s heartbeat timeout). Usually the gateway answers "caller gone" within milliseconds.
 */
const HANDOFF_ANSWER_AFTER_HANG_UP = '10 seconds';

/**
 * Hands the call the caller made to the ElevenLabs agent speaking in `voice`. The gateway keeps the
 * hold music playing until the agent's first word (bridge) or the trunk's answer (SIP), so the
 * caller hears no gap, and a failure leaves the music on for the fallback.
 */
export async function handOff(call: CallState, voice: VoiceChoice): Promise<HandoffResult> {
  call.setPhase('connecting_agent');
  call.step('connecting');
  return call.settings.handoffMode === 'bridge' ? bridge(call, voice) : routeViaSip(call, voice);
}

/** The agent's dynamic variables: always the same keys (a variable the agent uses must never be missing). */
function dynamicVariables(call: CallState, voice: VoiceChoice): DynamicVariables {
  return {
    call_id: call.input.callId,
    caller_name: call.input.callerName ?? '',
    voice_source: voice.source,
    fallback_reason: voice.fallbackReason ?? '',
  };
}

async function bridge(call: CallState, voice: VoiceChoice): Promise<HandoffResult> {
  const { connectAgent } = gatewaySteps(call.input);
  call.status.handoffAttempts += 1;
  try {
    const connected = await call.unlessCallerLeaves(() =>
      connectAgent({
        callId: call.input.callId,
        participantId: participantOf(call),
        voiceId: voice.voiceId,
        voiceSource: voice.source,
        fallbackReason: voice.fallbackReason,
        firstMessage: call.settings.transferMessage,
        dynamicVariables: dynamicVariables(call, voice),
        connectTimeoutSeconds: call.settings.agentConnectTimeoutSeconds,
      }),
      HANDOFF_ANSWER_AFTER_HANG_UP,
    );
    if (!connected) return { kind: 'caller_gone' };
    call.status.conversationId = connected.conversationId;
    call.status.media = connected.media;
    call.status.steps.agentConnected = connected.firstAudioAt;
    recordAgentTakesOver(call, voice, connected.conversationId, null);
    return { kind: 'agent' };
  } catch (err) {
    return failedHandoff(call, err, 'agent_unavailable');
  }
}

async function routeViaSip(call: CallState, voice: VoiceChoice): Promise<HandoffResult> {
  const sip = call.settings.sip;
  if (!sip) throw ApplicationFailure.nonRetryable('HANDOFF_MODE=sip without SIP settings', 'ConfigurationError');
  const { routeToAgent } = gatewaySteps(call.input);
  for (let attempt = 1; attempt <= SIP_ATTEMPTS; attempt++) {
    call.status.handoffAttempts += 1;
    const lease = await leaseSipNumber({
      callId: call.input.callId,
      attempt,
      numbers: sip.numbers,
      expirySeconds: sip.pendingExpirySeconds,
      callerId: call.input.caller.e164,
      voiceId: voice.voiceId,
      voiceSource: voice.source,
      firstMessage: call.settings.transferMessage,
      dynamicVariables: dynamicVariables(call, voice),
    });
    call.status.sipNumber = lease.sipNumber;
    let agentAnswered = false;
    try {
      const routed = await call.unlessCallerLeaves(
        () =>
          routeToAgent({
            callId: call.input.callId,
            participantId: participantOf(call),
            destination: `${sip.routePrefix}${lease.sipNumber.replace(/^\+/, '')}`,
            timeoutSeconds: sip.routeTimeoutSeconds,
            announcement: null,
          }),
        HANDOFF_ANSWER_AFTER_HANG_UP,
      );
      if (!routed) return { kind: 'caller_gone' };
      call.status.media = routed.media;
      if (routed.routed) {
        agentAnswered = true;
        call.step('agentConnected');
        recordAgentTakesOver(call, voice, null, lease.sipNumber);
        return { kind: 'agent' };
      }
      // The route failed because the caller left: nothing more is dialled for them.
      if (call.callerGone) return { kind: 'caller_gone' };
      call.noteError(`3CX could not route the call to ${lease.sipNumber}: ${routed.finalStatus}${routed.reason ? ` (${routed.reason})` : ''}`);
    } catch (err) {
      const failed = failedHandoff(call, err, 'route_failed');
      if (failed.kind !== 'failed') return failed;
    } finally {
      // Whatever ended this attempt (a failed route, the caller's hang-up, a cancel), a number the
      // agent did not answer on is free again: its pending hand-off must not match another call.
      if (!agentAnswered) call.track(() => releaseSipNumber({ callId: call.input.callId, attempt }));
    }
  }
  return { kind: 'failed', reason: 'route_failed' };
}

function recordAgentTakesOver(call: CallState, voice: VoiceChoice, conversationId: string | null, sipNumber: string | null): void {
  call.setPhase('in_agent_call');
  const input = { callId: call.input.callId, conversationId, sipNumber, voiceId: voice.voiceId, voiceSource: voice.source, mode: call.settings.handoffMode };
  call.track(() => recordHandoff(input));
}

function failedHandoff(call: CallState, err: unknown, reason: CallFailureReason): HandoffResult {
  if (isCancellation(err)) throw err;
  if (call.callerGone || failureType(err) === 'CallerGoneError') return { kind: 'caller_gone' };
  call.noteError(`Hand-off failed: ${failureMessage(err)}`);
  return { kind: 'failed', reason };
}

/**
 * The agent could not take the call: the caller goes to FALLBACK_DESTINATION (a 3CX queue, say)
 * after the failure message, or, with none configured or when that fails too, hears the message
 * and the call is dropped. Never silence, never a dropped call without a word.
 */
export async function routeToFallback(call: CallState, reason: CallFailureReason): Promise<FallbackRouting> {
  const { routeToFallback: route, endCall } = gatewaySteps(call.input);
  const destination = call.settings.fallbackDestination;
  const message: Utterance = { voiceId: call.settings.greetingVoiceId, text: call.settings.failureMessage };
  let fallback: FallbackRouting = { reason, destination, outcome: 'failed' };
  try {
    if (destination) {
      const routed = await call.unlessCallerLeaves(() =>
        route({ callId: call.input.callId, participantId: participantOf(call), destination, timeoutSeconds: call.settings.sip?.routeTimeoutSeconds ?? 30, announcement: message }),
      );
      if (routed?.routed) fallback = { ...fallback, outcome: 'routed' };
    }
    if (fallback.outcome !== 'routed' && !call.callerGone) {
      await endCall({ callId: call.input.callId, participantId: participantOf(call), message: destination ? null : message, routeTo: null, routeTimeoutSeconds: 5 });
      fallback = { ...fallback, outcome: 'dropped' };
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    call.noteError(`Fallback failed: ${failureMessage(err)}`);
  }
  call.status.fallback = fallback;
  return fallback;
}

export function participantOf(call: CallState): number {
  const id = call.status.participantId;
  if (id === null) throw ApplicationFailure.nonRetryable('The call has no route-point participant yet', 'CallerGoneError');
  return id;
}

export function failureType(err: unknown): string | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? null) : null;
}

export function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
  return `${type}${cause instanceof Error ? cause.message : String(cause)}`;
}
