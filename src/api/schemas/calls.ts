import { z } from 'zod';
import { CALL_PHASES, FALLBACK_REASONS, type CallStatus } from '../../contracts/call';

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

export const CallStatusSchema = z.object({
  callId: z.string(),
  pbx: z.string(),
  threecxCallId: z.string(),
  phase: z.enum(CALL_PHASES),
  caller: callerSchema,
  calledNumber: z.string(),
  voice: z.object({
    source: z.enum(['cache', 'clone', 'default']).nullable(),
    voiceId: z.string().nullable(),
    fallbackReason: z.enum(FALLBACK_REASONS).nullable(),
  }),
  conversations: z.object({ greeting: z.string().nullable(), agent: z.string().nullable() }),
  steps: z.partialRecord(
    z.enum(['received', 'recorded', 'greeting', 'cloning', 'voiceReady', 'transferring', 'transferred', 'callerHungUp', 'ended']),
    isoTime,
  ),
  failureReason: z
    .enum(['no_dialable_number', 'greeting_failed', 'greeting_not_connected', 'transfer_failed', 'agent_call_not_connected'])
    .nullable(),
  lastError: z.string().nullable(),
  threecxState: z.object({ state: z.string(), at: isoTime }).nullable(),
  operatorActions: z.array(z.object({ action: z.enum(['useDefaultVoiceNow', 'retryClone', 'transferNow']), at: isoTime })),
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
  action: z.enum(['cancel', 'use-default-voice', 'retry-clone', 'transfer-now']),
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
