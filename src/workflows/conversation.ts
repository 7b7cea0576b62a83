import { condition, isCancellation } from '@temporalio/workflow';
import type { CallFailureReason } from '../contracts/call';
import { fetchConversation, findAgentConversation, gatewaySteps } from './call-activities';
import type { CallState } from './call-state';
import { failureMessage, participantOf } from './hand-off';

/** How often the lost-webhook recovery asks ElevenLabs for the finished conversation. */
const RECOVERY_ATTEMPTS = 3;
/**
 * The gateway tells of the agent's hang-up within milliseconds — unless Temporal was away, when its
 * signal and ElevenLabs' post-call data (via the API) each come back on their own retry backoff,
 * seconds apart. A restarted gateway's word (mediaRestarted) ends the wait at once.
 */
const GATEWAY_WORD_WAIT = '30 seconds';

/**
 * The caller talks to the agent. Bridge mode: the conversation ends when the agent's socket
 * closes, the caller hangs up, or MAX_CALL_DURATION_SECONDS passes; an abnormal close or a
 * gateway restart mid-conversation is a failure (the caller then goes to the fallback). SIP
 * mode: the call has left our route point; it ends with ElevenLabs' post-call data.
 * Returns the failure, or null when the conversation ended as conversations do.
 */
export async function awaitConversationEnd(call: CallState): Promise<CallFailureReason | null> {
  const s = call.settings;
  const bridged = s.handoffMode === 'bridge';
  const over = () => call.completion !== undefined || (bridged && (call.agentDisconnected !== undefined || call.callerGone || call.mediaRestarted));
  const ended = await condition(over, `${s.maxCallDurationSeconds} seconds`, { summary: 'The caller talks to the agent (MAX_CALL_DURATION_SECONDS at most)' });
  if (bridged && !call.callerGone) {
    const broken = ended ? await bridgeOutcome(call) : await hangUp(call);
    if (broken) return broken;
    // The gateway drops the caller the moment the agent ends; if 3CX refused that drop the caller
    // hears music, and this retried step is what ends the call (it answers at once when already gone).
    if (call.agentDisconnected?.normal) {
      await hangUp(call).catch((err: unknown) => {
        if (isCancellation(err)) throw err;
        call.noteError(`Ending the call after the agent's goodbye failed: ${failureMessage(err)}`);
      });
    }
  }
  if (call.agentDisconnected) call.status.steps.agentEnded ??= call.agentDisconnected.at;
  try {
    await collectPostCallData(call);
  } catch (err) {
    // The conversation happened; only its transcript is missing. The call still completes.
    if (isCancellation(err)) throw err;
    call.noteError(`Post-call data not recovered: ${failureMessage(err)}`);
  }
  return null;
}

/**
 * Bridge mode: how the conversation ended, as the gateway saw it. ElevenLabs' post-call data may
 * come before the gateway's word (it died with the bridge): then the gateway gets a moment, and
 * without its word the media path is taken as lost — the caller must not stay on a dead line.
 */
async function bridgeOutcome(call: CallState): Promise<CallFailureReason | null> {
  if (call.completion && !call.agentDisconnected && !call.mediaRestarted) {
    await condition(() => call.agentDisconnected !== undefined || call.callerGone || call.mediaRestarted, GATEWAY_WORD_WAIT, {
      summary: 'ElevenLabs says the conversation ended: wait for the gateway to confirm',
    });
  }
  if (call.callerGone) return null;
  const disconnected = call.agentDisconnected;
  if (!disconnected) return 'media_lost';
  if (disconnected.normal) return null;
  call.noteError(`The agent's socket closed abnormally (${disconnected.code} ${disconnected.reason})`);
  return 'agent_disconnected';
}

/** Ends the call on the route point (MAX_CALL_DURATION_SECONDS passed, or the gateway's own drop failed). */
async function hangUp(call: CallState): Promise<null> {
  const { endCall } = gatewaySteps(call.input);
  await endCall({ callId: call.input.callId, participantId: participantOf(call), message: null, routeTo: null, routeTimeoutSeconds: 5 });
  return null;
}

/** ElevenLabs' post-call webhook, or, if it never comes, the conversation fetched from ElevenLabs. */
async function collectPostCallData(call: CallState): Promise<void> {
  const grace = `${call.settings.postCallGraceSeconds} seconds`;
  const arrived = () => call.completion !== undefined;
  if (arrived()) return;
  await condition(arrived, grace, { summary: 'Wait for ElevenLabs’ post-call data' });
  for (let attempt = 0; !arrived() && attempt < RECOVERY_ATTEMPTS; attempt++) {
    if (attempt > 0) await condition(arrived, grace, { summary: 'Wait before asking ElevenLabs again' });
    if (arrived()) return;
    call.status.conversationId ??= await findAgentConversation({ callId: call.input.callId });
    const conversationId = call.status.conversationId;
    if (!conversationId) continue;
    const recovered = await fetchConversation(conversationId);
    if (recovered && !arrived()) call.completion = recovered;
  }
}
