import type { StoredAgent } from '../agents/settings';
import { NO_INIT_DATA, refusedOverride, type InitData } from '../conversations/client-data';
import { newConversationId } from '../conversations/model';
import { startConversation } from '../conversations/start';
import type { SandboxState } from '../state';
import { randomHex } from '../util';
import { callInitWebhook } from './init-webhook';
import { SandboxSipCall, type SipCall } from './sip-call';

export interface SipInvite {
  /** The dialled number (R-URI user part): one of the sandbox's SIP-trunk numbers. */
  toNumber: string;
  /** The caller (From user part / X-CALLER-ID). */
  callerId: string;
  /** X-CALL-ID; generated when absent. */
  callSid?: string;
}

export type SipInviteResult = SipCall | { rejected: string };

type InitOutcome = { init: InitData } | { rejected: string };

/** Runs the pre-call webhook and decides what the conversation starts with (UNCONFIRMED failure handling: option initWebhookFailure). */
async function initiationData(state: SandboxState, agent: StoredAgent, invite: Required<SipInvite>, conversationId: string): Promise<InitOutcome> {
  const result = await callInitWebhook(state, agent, { callerId: invite.callerId, calledNumber: invite.toNumber, callSid: invite.callSid, conversationId });
  if (result.kind === 'skipped') return { init: NO_INIT_DATA };
  const { record } = result;
  const settle = (outcome: typeof record.outcome): void => {
    record.outcome = outcome;
    state.events.emit('init-webhook', record);
  };
  if (result.kind === 'failed') {
    if (state.config.initWebhookFailure === 'reject') {
      settle('failed-rejected');
      return { rejected: `conversation initiation webhook failed: ${result.reason}` };
    }
    settle('failed-started-default');
    return { init: NO_INIT_DATA };
  }
  const refusal = refusedOverride(result.init, agent);
  settle(refusal === null ? 'used' : 'override-refused');
  return refusal === null ? { init: result.init } : { rejected: refusal };
}

/**
 * An inbound call on the ElevenLabs SIP trunk ([ELD] guides/sip-trunking.mdx; 3cx-…-handoff.md §B.1):
 * the number must be an imported one, assigned to an agent; the pre-call webhook personalises it; the
 * agent then talks as on the WebSocket, with post-call metadata.phone_call of type sip_trunking.
 */
export async function inviteSip(state: SandboxState, invite: SipInvite): Promise<SipInviteResult> {
  const number = state.config.sipNumbers.get(invite.toNumber);
  if (number === undefined) return { rejected: 'SIP 404 Not Found' };
  const fault = state.conversationFaults.take('sip');
  if (fault?.kind === 'refuse') return { rejected: `SIP ${fault.status ?? 503} (injected)` };
  const agent = state.agents.agents.get(number.agentId);
  if (agent === undefined) return { rejected: 'SIP 404 Not Found (no agent assigned)' };
  const full = { ...invite, callSid: invite.callSid ?? `${randomHex(8)}-${randomHex(4)}-${randomHex(4)}-${randomHex(4)}-${randomHex(12)}` };
  const conversationId = newConversationId();
  const outcome = await initiationData(state, agent, full, conversationId);
  if ('rejected' in outcome) return outcome;
  const conversation = startConversation(state, {
    agent,
    init: outcome.init,
    channel: 'sip',
    phoneCall: { phoneNumberId: number.phoneNumberId, agentNumber: invite.toNumber, externalNumber: invite.callerId, callSid: full.callSid },
    formats: { userInput: 'pcm_8000', agentOutput: 'pcm_8000' },
    conversationId,
  });
  const call = new SandboxSipCall(state, conversation, fault);
  call.start();
  return call;
}
