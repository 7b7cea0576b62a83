import type { SandboxState } from '../state';
import { nowMs, pickLatency } from '../util';
import type { SandboxConversation } from './model';
import { conversationWire } from './wire';

export interface ConversationEnd {
  /** metadata.termination_reason (the sandbox's wording: UNCONFIRMED). */
  reason: string;
  /** status 'failed' with metadata.error. */
  error?: { code: number; reason: string };
  /** Default true; false when the sandbox itself is being reset. */
  postCall?: boolean;
}

/**
 * Once analysis is done: announces the status change, then sends post_call_transcription (elevenlabs-api.md §4.2, §4.3), signed
 * (§4.4), if the agent has a post-call webhook (platform_settings.workspace_overrides.webhooks).
 */
function schedulePostCall(state: SandboxState, c: SandboxConversation): void {
  const doneAt = c.doneAtMs ?? 0;
  state.lifecycle.timeout(() => {
    // Timers may fire a little before their time by the performance clock: wait for the rest.
    if (nowMs() < doneAt) {
      schedulePostCall(state, c);
      return;
    }
    state.events.emit('conversation', c);
    const { url, secret, retry } = state.webhook;
    const agent = state.agents.agents.get(c.agentId);
    if (url === undefined || secret === undefined || agent?.postCallWebhookId == null || state.conversations.get(c.conversationId) !== c) return;
    const payload = { type: 'post_call_transcription', event_timestamp: Math.floor(Date.now() / 1000), data: conversationWire(c, nowMs()) };
    state.sender.send({ url, secret, retry }, 'post_call_transcription', c.conversationId, payload);
  }, Math.ceil(doneAt - nowMs()));
}

/** Ends a live conversation once; analysis then takes analysisDurationMs. */
export function finishConversation(state: SandboxState, c: SandboxConversation, end: ConversationEnd): void {
  if (c.endedAtMs !== null) return;
  c.endedAtMs = nowMs();
  c.terminationReason = end.reason;
  c.failed = end.error !== undefined;
  c.error = end.error ?? null;
  c.doneAtMs = c.endedAtMs + pickLatency(state.config.analysisDurationMs, state.random);
  state.events.emit('conversation', c);
  if (end.postCall !== false) schedulePostCall(state, c);
}
