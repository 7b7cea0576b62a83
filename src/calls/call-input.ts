import type { Config } from '../config';
import type { CallInput, CallSettings } from '../contracts/call';
import { gatewayTaskQueue } from '../contracts/gateway';
import { normalizeCallerNumber } from '../integrations/threecx/caller-number';

/** A call as first seen: by the gateway on its route point, or announced by a webhook. */
export interface CallArrival {
  pbx: string;
  threecxCallId: string;
  /** The caller's number exactly as 3CX gave it. */
  callerRaw: string;
  callerName: string | null;
  calledNumber: string;
  source: CallInput['source'];
  participantId: number | null;
  occurredAt: Date;
  receivedAt: Date;
}

/** What the call workflow needs of the configuration, captured at start so history explains every decision. */
export function callSettings(config: Config): CallSettings {
  const { call, handoff, greeting, elevenlabs, threecx } = config;
  return {
    greetingVoiceId: greeting.voiceId,
    greetingMessage: greeting.message,
    defaultVoiceId: call.defaultVoiceId,
    transferMessage: call.transferMessage,
    cloneMaxWaitSeconds: call.cloneMaxWaitSeconds,
    autoTransitionEnabled: call.autoTransitionEnabled,
    maxCallDurationSeconds: call.maxCallDurationSeconds,
    postCallGraceSeconds: call.postCallGraceSeconds,
    cacheTtlSeconds: config.cache.ttlSeconds,
    cloneTimeoutSeconds: config.clone.timeoutSeconds,
    requireCloneConsent: call.requireCloneConsent,
    handoffMode: handoff.mode,
    agentConnectTimeoutSeconds: handoff.agentConnectTimeoutSeconds,
    sip:
      handoff.mode === 'sip'
        ? {
            routePrefix: threecx.sipRoutePrefix,
            numbers: elevenlabs.sipNumbers,
            routeTimeoutSeconds: handoff.sipRouteTimeoutSeconds,
            pendingExpirySeconds: handoff.sipHandoffExpirySeconds,
          }
        : null,
    fallbackDestination: handoff.fallbackDestination ?? null,
    failureMessage: call.failureMessage,
    cancelMessage: call.cancelMessage,
  };
}

export function buildCallInput(arrival: CallArrival, config: Config, callId: string): CallInput {
  return {
    callId,
    pbx: arrival.pbx,
    threecxCallId: arrival.threecxCallId,
    caller: normalizeCallerNumber(arrival.callerRaw, config.call.defaultCountry),
    callerName: arrival.callerName,
    calledNumber: arrival.calledNumber,
    source: arrival.source,
    participantId: arrival.participantId,
    occurredAt: arrival.occurredAt.toISOString(),
    receivedAt: arrival.receivedAt.toISOString(),
    gatewayTaskQueue: gatewayTaskQueue(config.temporal.taskQueue, arrival.pbx),
    settings: callSettings(config),
  };
}
