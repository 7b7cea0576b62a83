import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CallInput } from '../contracts/call';
import type { GatewayActivities } from '../gateway/activities';
import * as options from './activity-options';

// The call workflow's steps, each with its timeouts, retries and the summary the Web UI shows.
// Writes nothing waits for are local activities (one marker event each); the call-log row and the
// cache lookup stay activities because the greeting's task must not be held by a local activity.

const main = (opts: typeof options.databaseWrite, summary: string) => proxyActivities<Activities>({ ...opts, summary });
const local = (summary: string) => proxyLocalActivities<Activities>({ ...options.localDatabaseWrite, summary });

export const recordCallStarted = main(options.databaseWrite, 'Record the call in call_log').recordCallStarted;
export const findCachedVoice = main(options.databaseWrite, 'Look for a cached clone of the caller’s voice').findCachedVoice;
export const subscribeToVoiceClone = main(options.temporalCall, 'Join the caller’s clone job').subscribeToVoiceClone;
export const releaseVoiceClone = main(options.temporalCall, 'Leave the caller’s clone job').releaseVoiceClone;
export const fetchConversation = main(options.elevenLabsRead, 'Fetch the conversation (post-call webhook missing)').fetchConversation;
export const findAgentConversation = main(options.elevenLabsRead, 'Find the SIP conversation ElevenLabs started for the call').findAgentConversation;

export const recordCloneReady = local('Record the clone outcome event').recordCloneReady;
export const recordCloneFailed = local('Record the clone outcome event').recordCloneFailed;
export const recordHandoff = local('Record the hand-off to the agent').recordHandoff;
export const leaseSipNumber = local('Write the pending SIP hand-off (voice for the conversation-init webhook)').leaseSipNumber;
export const releaseSipNumber = local('Release the SIP hand-off number').releaseSipNumber;
export const finalizeCallLog = local('Write the call outcome to call_log').finalizeCallLog;

/** Steps on the gateway that owns the call's PBX: only it holds the live audio streams. */
export function gatewaySteps(input: CallInput) {
  const s = input.settings;
  const taskQueue = input.gatewayTaskQueue;
  const routeTimeout = s.sip?.routeTimeoutSeconds ?? 30;
  const gateway = (opts: typeof options.databaseWrite, summary: string) => proxyActivities<GatewayActivities>({ ...opts, taskQueue, summary });
  return {
    holdCaller: gateway(options.holdCaller(HOLD_WAIT_SECONDS), 'Greeting, then hold music, on the live call').holdCaller,
    connectAgent: gateway(options.connectAgent(s.agentConnectTimeoutSeconds), 'Bridge the caller to the ElevenLabs agent (music until it speaks)').connectAgent,
    routeToAgent: gateway(options.routeCall(routeTimeout), 'Route the call to the ElevenLabs SIP number (music until it answers)').routeCall,
    routeToFallback: gateway(options.routeCall(routeTimeout), 'Route the caller to the fallback destination').routeCall,
    endCall: gateway(options.endCall(routeTimeout), 'Say the closing message, then drop or route the call').endCall,
  };
}

/** A webhook may announce a call before it reaches the route point; how long the gateway looks for it. */
export const HOLD_WAIT_SECONDS = 30;
