import { z } from 'zod';
import { CALL_FAILURE_REASONS, CALL_PHASES, FALLBACK_REASONS, type CallStatus } from '../../contracts/call';

// Response bodies of the webhook, call-status, operator and cache routes, for the OpenAPI
// document. `satisfies` ties each to the TypeScript type the code returns, so they cannot drift.

const isoTime = z.string().describe('ISO 8601 time (UTC)');

export const WebhookAcceptedSchema = z.object({
  status: z.enum(['accepted', 'ignored']),
  workflow_id: z.string().describe('call-<pbx>-<3cxCallId>: the Temporal workflow id of the call'),
  call_id: z.string().describe('the 3CX call id'),
  status_url: z.string(),
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
  status: CallStatusSchema,
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
