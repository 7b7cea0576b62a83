import { z } from 'zod';

/**
 * `conversation_initiation_client_data`: what ElevenLabs starts a conversation with. The same
 * message answers the conversation-initiation webhook (SIP calls) [ELD
 * `customization/dynamic-variables/twilio-inbound-integration.mdx`, `customization/personalization.mdx`]
 * and opens an Agents WebSocket conversation [ELD `fern/apis/convai/asyncapi.yml`].
 */

/** The Agents WebSocket schema allows no null values here [ELD asyncapi], unlike the REST one. */
export type DynamicVariableValue = string | number | boolean;

export interface ConversationInitiation {
  /** Per-conversation TTS voice (needs the agent's `tts.voice_id` override); null keeps the agent's voice. */
  voiceId: string | null;
  /** Per-conversation first message (needs the `agent.first_message` override); null keeps the agent's. */
  firstMessage: string | null;
  dynamicVariables: Record<string, DynamicVariableValue>;
  /** Our call reference; comes back as `data.user_id` in the post-call webhook. */
  userId: string;
}

export interface ConversationInitiationClientData {
  type: 'conversation_initiation_client_data';
  dynamic_variables: Record<string, DynamicVariableValue>;
  conversation_config_override?: {
    tts?: { voice_id: string };
    agent?: { first_message: string };
  };
  user_id: string;
}

/**
 * Overrides that are null or empty are left out, never sent as null or "" ([ELD] customization/overrides.mdx): an
 * override the agent does not allow makes ElevenLabs refuse the conversation, so only send what
 * is meant. No overrides at all leaves out `conversation_config_override`.
 */
export function buildConversationInitiation(init: ConversationInitiation): ConversationInitiationClientData {
  const override: NonNullable<ConversationInitiationClientData['conversation_config_override']> = {};
  if (init.voiceId !== null && init.voiceId !== '') override.tts = { voice_id: init.voiceId };
  if (init.firstMessage !== null && init.firstMessage !== '') override.agent = { first_message: init.firstMessage };
  return {
    type: 'conversation_initiation_client_data',
    dynamic_variables: { ...init.dynamicVariables },
    ...(Object.keys(override).length > 0 ? { conversation_config_override: override } : {}),
    user_id: init.userId,
  };
}

/** The conversation-initiation webhook's answer for a SIP call: the same message. */
export const buildConversationInitResponse = buildConversationInitiation;

const optionalText = z.string().nullish().catch(null);

/**
 * The webhook request ElevenLabs POSTs before a call starts: `caller_id`, `agent_id`,
 * `called_number`, `call_sid` [ELD twilio-inbound-integration.mdx; the SIP guide says SIP calls get
 * it too, sip-trunking.mdx]. `conversation_id` is from a secondary source [SK], UNCONFIRMED.
 * Every field may be missing (e.g. `called_number` on SIP, UNCONFIRMED); unknown fields are kept.
 */
export const conversationInitRequestSchema = z.looseObject({
  caller_id: optionalText,
  agent_id: optionalText,
  called_number: optionalText,
  call_sid: optionalText,
  conversation_id: optionalText,
});
export type ConversationInitRequestWire = z.infer<typeof conversationInitRequestSchema>;

export interface ConversationInitRequest {
  callerId: string | null;
  agentId: string | null;
  calledNumber: string | null;
  callSid: string | null;
  conversationId: string | null;
  raw: ConversationInitRequestWire;
}

/** Null when the body is not a JSON object at all; empty strings read as absent. */
export function parseConversationInitRequest(body: unknown): ConversationInitRequest | null {
  const parsed = conversationInitRequestSchema.safeParse(body);
  if (!parsed.success) return null;
  const raw = parsed.data;
  const value = (v: string | null | undefined): string | null => (v === undefined || v === null || v.trim() === '' ? null : v);
  return {
    callerId: value(raw.caller_id),
    agentId: value(raw.agent_id),
    calledNumber: value(raw.called_number),
    callSid: value(raw.call_sid),
    conversationId: value(raw.conversation_id),
    raw,
  };
}
