import { z } from 'zod';
import { applyRuntimeConfig, conversationFaultSchema, failureSpecSchema, runtimeConfigSchema } from '../config';
import { conversationSummaryWire } from '../conversations/wire';
import { CONVERSATION_CHANNELS, type SandboxState } from '../state';
import { type ConversationChannel, SANDBOX_ENDPOINTS, type SandboxEndpoint } from '../types';
import { nowMs } from '../util';
import { voiceWire } from '../voices/wire';
import { errorBodies, type SandboxResponse } from './error-bodies';

export interface SandboxControls {
  reset: () => void;
  setVoiceCreatedAt: (voiceId: string, createdAtUnix: number) => boolean;
}

const voicePatchSchema = z.object({ created_at_unix: z.number().int().nonnegative() });

function stateSnapshot(state: SandboxState): SandboxResponse {
  const now = nowMs();
  return {
    status: 200,
    json: {
      voices: [...state.voices.voices.values()].map(voiceWire),
      agents: [...state.agents.agents.values()],
      conversations: [...state.conversations.values()].map((c) => conversationSummaryWire(c, now, state.agents.agents.get(c.agentId)?.name ?? null)),
      failures: state.failures.snapshot(),
      conversationFaults: state.conversationFaults.snapshot(),
      config: { ...state.config, sipNumbers: Object.fromEntries(state.config.sipNumbers) },
      webhook: { url: state.webhook.url ?? null, retry: state.webhook.retry },
    },
  };
}

function patchVoice(controls: SandboxControls, state: SandboxState, voiceId: string, json: unknown): SandboxResponse {
  const patch = voicePatchSchema.safeParse(json ?? {});
  if (!patch.success) return errorBodies.plain(400, z.prettifyError(patch.error));
  if (!controls.setVoiceCreatedAt(voiceId, patch.data.created_at_unix)) return errorBodies.plain(404, `unknown voice ${voiceId}`);
  return { status: 200, json: voiceWire(state.voices.voices.get(voiceId)!) };
}

function putFailure(state: SandboxState, endpoint: string, json: unknown): SandboxResponse {
  if (!(SANDBOX_ENDPOINTS as readonly string[]).includes(endpoint)) return errorBodies.plain(404, `unknown endpoint ${endpoint}`);
  const spec = failureSpecSchema.nullable().safeParse(json ?? null);
  if (!spec.success) return errorBodies.plain(400, z.prettifyError(spec.error));
  state.failures.set(endpoint as SandboxEndpoint, spec.data);
  return { status: 200, json: state.failures.snapshot() };
}

function putConversationFault(state: SandboxState, channel: string, json: unknown): SandboxResponse {
  if (!(CONVERSATION_CHANNELS as readonly string[]).includes(channel)) return errorBodies.plain(404, `unknown channel ${channel}`);
  const spec = conversationFaultSchema.nullable().safeParse(json ?? null);
  if (!spec.success) return errorBodies.plain(400, z.prettifyError(spec.error));
  state.conversationFaults.set(channel as ConversationChannel, spec.data);
  return { status: 200, json: state.conversationFaults.snapshot() };
}

function postConfig(state: SandboxState, json: unknown): SandboxResponse {
  const patch = runtimeConfigSchema.safeParse(json ?? {});
  if (!patch.success) return errorBodies.plain(400, z.prettifyError(patch.error));
  applyRuntimeConfig(state, patch.data);
  return stateSnapshot(state);
}

/**
 * /_sandbox/*: GET requests | webhook-deliveries | init-webhook-calls | state; PUT failures/{endpoint},
 * PUT conversation-faults/{websocket|sip}, DELETE failures, POST config, POST reset, PATCH voices/{id}.
 */
export function runControl(state: SandboxState, controls: SandboxControls, method: string, pathname: string, json: unknown): SandboxResponse {
  const [, , area = '', rawId] = pathname.split('/');
  const id = decodeURIComponent(rawId ?? '');
  const key = `${method} ${area}${rawId === undefined ? '' : '/:id'}`;
  switch (key) {
    case 'PATCH voices/:id':
      return patchVoice(controls, state, id, json);
    case 'GET requests':
      return { status: 200, json: state.requests.filter((r) => r.endpoint !== 'control') };
    case 'GET webhook-deliveries':
      return { status: 200, json: state.deliveries };
    case 'GET init-webhook-calls':
      return { status: 200, json: state.initWebhookCalls };
    case 'GET state':
      return stateSnapshot(state);
    case 'PUT failures/:id':
      return putFailure(state, id, json);
    case 'PUT conversation-faults/:id':
      return putConversationFault(state, id, json);
    case 'DELETE failures':
      state.failures.setAll({});
      state.conversationFaults.setAll({});
      return { status: 200, json: {} };
    case 'POST config':
      return postConfig(state, json);
    case 'POST reset':
      controls.reset();
      return { status: 200, json: { status: 'ok' } };
  }
  return errorBodies.plain(404, 'Not Found');
}
