import { request } from 'undici';
import type { StoredAgent } from '../agents/settings';
import { type InitData, parseInitData } from '../conversations/client-data';
import { isObject } from '../http/handler';
import type { SandboxState } from '../state';
import type { InitWebhookCallRecord } from '../types';
import { nowMs } from '../util';

export interface InitWebhookRequest {
  callerId: string;
  calledNumber: string;
  callSid: string;
  conversationId: string;
}

export type InitWebhookResult = { kind: 'skipped' } | { kind: 'answered'; init: InitData; record: InitWebhookCallRecord } | { kind: 'failed'; reason: string; record: InitWebhookCallRecord };

function newCallRecord(state: SandboxState, agent: StoredAgent, url: string, headers: Record<string, string>, body: Record<string, string>, conversationId: string): InitWebhookCallRecord {
  const record: InitWebhookCallRecord = {
    id: state.initWebhookCalls.length + 1,
    conversationId,
    agentId: agent.agentId,
    url,
    requestHeaders: headers,
    requestBody: body,
    sentAt: nowMs(),
    outcome: 'pending',
  };
  state.initWebhookCalls.push(record);
  state.events.emit('init-webhook', record);
  return record;
}

async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const res = await request(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/**
 * The conversation-initiation ("pre-call") webhook of an inbound call ([ELD]
 * customization/dynamic-variables/twilio-inbound-integration.mdx; guides/sip-trunking.mdx: SIP
 * caller_id/call_id "are available in the pre-call webhook"): POST {caller_id, agent_id,
 * called_number, call_sid} (+ conversation_id, per a secondary source), unsigned, with the configured
 * headers. Only for agents with enable_conversation_initiation_client_data_from_webhook.
 */
export async function callInitWebhook(state: SandboxState, agent: StoredAgent, req: InitWebhookRequest): Promise<InitWebhookResult> {
  const target = agent.initiationWebhook ?? state.config.conversationInitWebhook;
  if (!agent.enableInitiationWebhook || target === null) return { kind: 'skipped' };
  const headers = { ...(target.headers ?? {}) };
  const body = { caller_id: req.callerId, agent_id: agent.agentId, called_number: req.calledNumber, call_sid: req.callSid, conversation_id: req.conversationId };
  const record = newCallRecord(state, agent, target.url, headers, body, req.conversationId);
  const fail = (reason: string): InitWebhookResult => {
    record.failureReason = reason;
    return { kind: 'failed', reason, record };
  };
  try {
    const res = await post(target.url, headers, JSON.stringify(body), state.config.initWebhookTimeoutMs);
    record.status = res.status;
    record.responseBody = res.text;
    if (res.status !== 200) return fail(`webhook answered ${res.status}`);
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      return fail('webhook answer is not JSON');
    }
    return isObject(json) ? { kind: 'answered', init: parseInitData(json), record } : fail('webhook answer is not a JSON object');
  } catch (error) {
    record.error = (error as Error).name === 'TimeoutError' ? `no answer within ${state.config.initWebhookTimeoutMs} ms` : (error as Error).message;
    return fail(record.error);
  } finally {
    record.respondedAt = nowMs();
    record.latencyMs = record.respondedAt - record.sentAt;
  }
}
