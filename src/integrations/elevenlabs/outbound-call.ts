import { ElevenLabsValidationError } from './errors';
import { sipTrunkOutboundCallResponseSchema, twilioOutboundCallResponseSchema } from './schemas';

export type Telephony = 'sip_trunk' | 'twilio';

export type DynamicVariableValue = string | number | boolean | null;

export interface OutboundCallParams {
  telephony: Telephony;
  agentId: string;
  /** ID of the phone number imported into ElevenLabs (a SIP-trunk or Twilio number, matching `telephony`). */
  agentPhoneNumberId: string;
  toNumber: string;
  /** Per-call TTS voice (the agent must allow the `tts.voice_id` override). Omitted when undefined. */
  voiceId?: string;
  /** Per-call first message (the agent must allow the `agent.first_message` override). Omitted when undefined. */
  firstMessage?: string;
  dynamicVariables: Record<string, DynamicVariableValue>;
  /** Our own call ID; echoed back as `user_id` in webhooks and usable to reconcile via listConversations. */
  userId: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface OutboundCallResult {
  telephony: Telephony;
  success: boolean;
  message: string;
  conversationId: string | null;
  /** Twilio only. */
  callSid?: string | null;
  /** SIP trunk only. */
  sipCallId?: string | null;
}

export const OUTBOUND_CALL_PATHS: Record<Telephony, string> = {
  sip_trunk: '/v1/convai/sip-trunk/outbound-call',
  twilio: '/v1/convai/twilio/outbound-call',
};

export interface OutboundCallBody {
  agent_id: string;
  agent_phone_number_id: string;
  to_number: string;
  conversation_initiation_client_data: {
    user_id: string;
    dynamic_variables: Record<string, DynamicVariableValue>;
    conversation_config_override?: {
      tts?: { voice_id: string };
      agent?: { first_message: string };
    };
  };
}

function requireNonEmpty(field: string, value: string | undefined): void {
  if (value !== undefined && value.trim() === '') {
    throw new ElevenLabsValidationError(`${field} must not be empty (omit it instead)`, {
      issues: [{ loc: ['params', field], msg: 'must not be empty', type: 'client_validation' }],
    });
  }
}

/** Builds the JSON body; override fields that are not set are left out entirely, never sent as "" or null. */
export function buildOutboundCallBody(params: OutboundCallParams): OutboundCallBody {
  requireNonEmpty('agentId', params.agentId);
  requireNonEmpty('agentPhoneNumberId', params.agentPhoneNumberId);
  requireNonEmpty('toNumber', params.toNumber);
  requireNonEmpty('userId', params.userId);
  requireNonEmpty('voiceId', params.voiceId);
  requireNonEmpty('firstMessage', params.firstMessage);
  const reserved = Object.keys(params.dynamicVariables).filter((k) => k.startsWith('system__'));
  if (reserved.length > 0) {
    throw new ElevenLabsValidationError(`dynamic variables with the reserved system__ prefix: ${reserved.join(', ')}`, {
      issues: reserved.map((k) => ({ loc: ['params', 'dynamicVariables', k], msg: 'reserved prefix system__', type: 'client_validation' })),
    });
  }

  const clientData: OutboundCallBody['conversation_initiation_client_data'] = {
    user_id: params.userId,
    dynamic_variables: { ...params.dynamicVariables },
  };
  const override: NonNullable<OutboundCallBody['conversation_initiation_client_data']['conversation_config_override']> = {};
  if (params.voiceId !== undefined) override.tts = { voice_id: params.voiceId };
  if (params.firstMessage !== undefined) override.agent = { first_message: params.firstMessage };
  if (override.tts !== undefined || override.agent !== undefined) clientData.conversation_config_override = override;

  return {
    agent_id: params.agentId,
    agent_phone_number_id: params.agentPhoneNumberId,
    to_number: params.toNumber,
    conversation_initiation_client_data: clientData,
  };
}

/** Returns undefined when the body does not match the telephony's response schema. */
export function parseOutboundCallResponse(telephony: Telephony, json: unknown): OutboundCallResult | undefined {
  if (telephony === 'twilio') {
    const parsed = twilioOutboundCallResponseSchema.safeParse(json);
    if (!parsed.success) return undefined;
    const d = parsed.data;
    return { telephony, success: d.success, message: d.message, conversationId: d.conversation_id, callSid: d.callSid };
  }
  const parsed = sipTrunkOutboundCallResponseSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  return { telephony, success: d.success, message: d.message, conversationId: d.conversation_id, sipCallId: d.sip_call_id };
}
