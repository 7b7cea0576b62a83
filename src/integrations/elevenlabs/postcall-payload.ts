import { z } from 'zod';
import {
  conversationAnalysisSchema,
  conversationInitiationClientDataSchema,
  conversationMetadataSchema,
  conversationStatusSchema,
  transcriptEntrySchema,
} from './schemas';

/**
 * Post-call webhook payloads: `{ type, event_timestamp, data }`. Lenient on unknown fields; unknown
 * event types are reported as `kind: 'unknown'` so the receiver can still answer 200.
 */

export const postCallTranscriptionDataSchema = z.looseObject({
  agent_id: z.string(),
  conversation_id: z.string(),
  status: conversationStatusSchema,
  user_id: z.string().nullish(),
  // Absent when the agent is configured with exclude_transcript.
  transcript: z.array(transcriptEntrySchema).optional(),
  metadata: conversationMetadataSchema,
  analysis: conversationAnalysisSchema.nullish(),
  conversation_initiation_client_data: conversationInitiationClientDataSchema.nullish(),
});
export type PostCallTranscriptionData = z.infer<typeof postCallTranscriptionDataSchema>;

/** The body of call_initiation_failure is not in the official docs; these are the fields integrations read. */
export const callInitiationFailureDataSchema = z.looseObject({
  agent_id: z.string(),
  conversation_id: z.string(),
  failure_reason: z.string(),
  user_id: z.string().nullish(),
  metadata: z
    .looseObject({
      type: z.string(),
      body: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});
export type CallInitiationFailureData = z.infer<typeof callInitiationFailureDataSchema>;

export const postCallAudioDataSchema = z.looseObject({
  agent_id: z.string(),
  conversation_id: z.string(),
  full_audio: z.string(),
});

export const webhookEnvelopeSchema = z.looseObject({
  type: z.string(),
  event_timestamp: z.number(),
  data: z.unknown(),
});

export const postCallTranscriptionEventSchema = webhookEnvelopeSchema.extend({
  type: z.literal('post_call_transcription'),
  data: postCallTranscriptionDataSchema,
});
export const callInitiationFailureEventSchema = webhookEnvelopeSchema.extend({
  type: z.literal('call_initiation_failure'),
  data: callInitiationFailureDataSchema,
});
export const postCallAudioEventSchema = webhookEnvelopeSchema.extend({
  type: z.literal('post_call_audio'),
  data: postCallAudioDataSchema,
});

export type PostCallWebhookEvent =
  | { kind: 'post_call_transcription'; eventTimestamp: number; data: PostCallTranscriptionData }
  | { kind: 'call_initiation_failure'; eventTimestamp: number; data: CallInitiationFailureData }
  | { kind: 'post_call_audio'; eventTimestamp: number; data: z.infer<typeof postCallAudioDataSchema> }
  | { kind: 'unknown'; type: string; eventTimestamp: number; data: unknown };

export class PostCallPayloadError extends Error {
  override readonly name = 'PostCallPayloadError';

  constructor(
    message: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(message);
  }
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PostCallPayloadError(`Invalid post-call webhook payload: ${z.prettifyError(parsed.error)}`, parsed.error.issues);
  return parsed.data;
}

/** Parses a verified raw body (or an already parsed object). Throws PostCallPayloadError on malformed input. */
export function parsePostCallWebhook(body: unknown): PostCallWebhookEvent {
  let json: unknown = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new PostCallPayloadError(`Post-call webhook body is not JSON: ${(error as Error).message}`, []);
    }
  }
  const envelope = parseOrThrow(webhookEnvelopeSchema, json);
  switch (envelope.type) {
    case 'post_call_transcription': {
      const event = parseOrThrow(postCallTranscriptionEventSchema, json);
      return { kind: 'post_call_transcription', eventTimestamp: event.event_timestamp, data: event.data };
    }
    case 'call_initiation_failure': {
      const event = parseOrThrow(callInitiationFailureEventSchema, json);
      return { kind: 'call_initiation_failure', eventTimestamp: event.event_timestamp, data: event.data };
    }
    case 'post_call_audio': {
      const event = parseOrThrow(postCallAudioEventSchema, json);
      return { kind: 'post_call_audio', eventTimestamp: event.event_timestamp, data: event.data };
    }
    default:
      return { kind: 'unknown', type: envelope.type, eventTimestamp: envelope.event_timestamp, data: envelope.data };
  }
}

/** Our call id as sent in `user_id` (top level, or inside conversation_initiation_client_data). */
export function postCallUserId(event: PostCallWebhookEvent): string | null {
  if (event.kind === 'post_call_transcription') {
    return event.data.user_id ?? event.data.conversation_initiation_client_data?.user_id ?? null;
  }
  if (event.kind === 'call_initiation_failure') return event.data.user_id ?? null;
  return null;
}
