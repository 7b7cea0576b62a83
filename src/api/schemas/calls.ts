import { z } from 'zod';
import { CALL_FAILURE_REASONS, CALL_PHASES, FALLBACK_REASONS, type CallStatus } from '../../contracts/call';
import type { ConversationInitiationClientData } from '../../integrations/elevenlabs/conversation-init';

// Response bodies of the webhook, call-status, operator and cache routes, for the OpenAPI
// document. `satisfies` ties each to the TypeScript type the code returns, so they cannot drift.

const isoTime = z.string().describe('ISO 8601 time (UTC)');

export const WebhookAcceptedSchema = z.object({
  status: z.enum(['accepted', 'ignored']),
  workflow_id: z.string().describe('call-<pbx>-<3cxCallId>, each part percent-encoded with `-` as %2D: the Temporal workflow id of the call, and its call id in this API'),
  call_id: z.string().describe('the 3CX call id'),
  status_url: z.string().describe('GET it (with the admin token) for the call’s live status'),
  duplicate: z.boolean().describe('true when this IncomingCall was already received: nothing new was started'),
  reason: z.enum(['outbound_call']).optional().describe('why an event was ignored'),
});

const callerSchema = z.object({ raw: z.string(), e164: z.string().nullable(), kind: z.enum(['external', 'withheld', 'internal', 'invalid']) });

const holdMediaSchema = z.object({ holdMs: z.number().nullable(), deadAirMs: z.number().nullable() });

export const CallStatusSchema = z.object({
  callId: z.string(),
  pbx: z.string(),
  threecxCallId: z.string(),
  phase: z.enum(CALL_PHASES),
  caller: callerSchema,
  calledNumber: z.string(),
  source: z.enum(['route_point', 'webhook']).describe('what told us of the call first'),
  participantId: z.number().int().nullable().describe('the 3CX route-point participant'),
  handoffMode: z.enum(['bridge', 'sip']),
  voice: z.object({
    source: z.enum(['cache', 'clone', 'default']).nullable(),
    voiceId: z.string().nullable(),
    fallbackReason: z.enum(FALLBACK_REASONS).nullable(),
  }),
  conversationId: z.string().nullable().describe('the ElevenLabs agent conversation'),
  sipNumber: z.string().nullable().describe('SIP mode: the ElevenLabs number the call was routed to'),
  steps: z.partialRecord(
    z.enum(['received', 'recorded', 'greeting', 'cloning', 'voiceReady', 'connecting', 'agentConnected', 'agentEnded', 'callerHungUp', 'ended']),
    isoTime,
  ),
  media: holdMediaSchema.describe('hold length and dead air (gaps in the hold audio) as the gateway measured them'),
  handoffAttempts: z.number().int(),
  fallback: z
    .object({ reason: z.enum(CALL_FAILURE_REASONS), destination: z.string().nullable(), outcome: z.enum(['routed', 'dropped', 'failed']) })
    .nullable()
    .describe('where the caller went when the agent could not take the call'),
  failureReason: z.enum(CALL_FAILURE_REASONS).nullable(),
  lastError: z.string().nullable(),
  threecxState: z.object({ state: z.string(), at: isoTime }).nullable(),
  operatorActions: z.array(z.object({ action: z.enum(['useDefaultVoice', 'retryClone', 'handOffNow']), at: isoTime })),
}) satisfies z.ZodType<CallStatus>;

export const CallStatusResponseSchema = z.union([
  z.object({ source: z.literal('workflow').describe('answered by the workflow’s status query'), status: CallStatusSchema }),
  z.object({
    source: z.literal('history').describe('no worker answered: what Temporal and the call log recorded'),
    note: z.string(),
    workflow: z.object({ status: z.string(), startTime: isoTime, closeTime: isoTime.nullable(), phase: z.unknown() }),
    call_log: z.record(z.string(), z.unknown()).nullable(),
  }),
]);

export const CallActionResponseSchema = z.object({
  action: z.enum(['cancel', 'use-default-voice', 'retry-clone', 'hand-off-now']),
  status: CallStatusSchema.describe('the call’s status once the workflow has applied the action'),
});

export const CloneStatusResponseSchema = z.object({
  caller_id: z.string(),
  clone_ready: z.boolean(),
  cloned_voice_id: z.string().nullable(),
  status: z.enum(['ready', 'cloning', 'not_started']),
  expires_at: isoTime.nullable(),
});

export const CacheInvalidationResponseSchema = z.object({
  caller_id: z.string(),
  invalidated: z.number().int(),
  voice_deletion: z.enum(['scheduled', 'next_cleanup', 'nothing_to_delete']),
});

export const PostCallWebhookResponseSchema = z.object({
  status: z.enum(['delivered', 'duplicate', 'stored', 'ignored']),
  type: z.string(),
  callId: z.string().nullable().optional(),
  reason: z.enum(['unknown_call', 'call_not_running']).optional(),
  conversation_id: z.string().optional(),
});

const initField = (description: string) =>
  z.unknown().optional().describe(`${description}; read when it is a non-empty string, any other value counts as absent`);

/** What the conversation-initiation route reads; it answers any JSON object (an error could cost the caller the call). */
export const ConversationInitRequestSchema = z
  .looseObject({
    caller_id: initField('The caller’s number as the SIP trunk presents it'),
    agent_id: initField('The agent the call reached'),
    called_number: initField('The ElevenLabs number called: matches the pending hand-off'),
    call_sid: initField('The SIP call’s id at ElevenLabs'),
    conversation_id: initField('The conversation about to start'),
  })
  .describe('Any JSON object; other fields are ignored');

export const ConversationInitResponseSchema = z.object({
  type: z.literal('conversation_initiation_client_data'),
  dynamic_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).describe('call_id, caller_name, voice_source, fallback_reason'),
  conversation_config_override: z
    .object({
      tts: z.object({ voice_id: z.string() }).optional().describe('the caller’s cloned voice, or the default voice'),
      agent: z.object({ first_message: z.string() }).optional(),
    })
    .optional()
    .describe('only for a pending hand-off; absent for an unknown call (the agent’s own voice and first message)'),
  user_id: z.string().describe('our call id, echoed back in the post-call webhook; empty for an unknown call'),
}) satisfies z.ZodType<ConversationInitiationClientData>;
