import { z } from 'zod';
import { VOICE_SAMPLE_FORMATS, type VoiceSampleFormat } from '../../integrations/storage/audio-validation';

// Request and response bodies of the admin and operator API. The routes parse with these schemas
// and the OpenAPI document is generated from them, so every field carries its description here.

const timestamp = z.iso.datetime({ offset: true });

// --- Errors -----------------------------------------------------------------------------------

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code, e.g. validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorResponse', description: 'Every error answer of the API' });

export const ValidationErrorDetailsSchema = z
  .array(z.object({ field: z.string(), message: z.string() }))
  .meta({ id: 'ValidationErrorDetails', description: 'details of a 400 validation_failed: every bad field' });

export const VoiceSampleRejectionSchema = z
  .object({
    reason: z.enum(['empty', 'too_large', 'unsupported_format', 'unreadable', 'too_short']),
    limit: z.number().nullable().meta({ description: 'The limit that was broken: bytes (too_large) or seconds (too_short)' }),
    measured: z.number().nullable().meta({ description: 'What was measured: bytes, or seconds for too_short' }),
  })
  .meta({ id: 'VoiceSampleRejection', description: 'details of a 422 invalid_voice_sample' });

// --- Path parameters ----------------------------------------------------------------------------

export const CallerIdParamsSchema = z.object({
  callerId: z
    .string()
    .trim()
    .min(3)
    .max(64)
    .meta({ description: 'Caller phone number, E.164 (`+4915112345678`) or national form; normalised with DEFAULT_COUNTRY' }),
});

// --- Voice mapping: PUT/GET/DELETE /api/v1/callers/:callerId/voice ------------------------------

const voiceName = z.string().trim().min(1).max(255).meta({ description: 'Name of the cloned voice at ElevenLabs; default `Caller <last 4 digits>`' });
const description = z.string().trim().max(5000).meta({ description: 'Free text kept with the mapping' });
const accountId = z.string().trim().min(1).max(255).meta({ description: 'Customer account the caller belongs to' });

/**
 * `application/json` form of the PUT: register a sample that is already in storage. Omitted
 * optional fields keep their previous values on a re-registration; `null` clears them.
 */
export const VoiceRegistrationJsonBodySchema = z
  .strictObject({
    voice_sample_url: z
      .string()
      .trim()
      .min(1)
      .max(2048)
      .meta({ description: '`s3://bucket/key`, or a path / file:// URL inside LOCAL_VOICE_SAMPLES_PATH' }),
    voice_name: voiceName.optional(),
    description: description.nullable().optional(),
    account_id: accountId.nullable().optional(),
  })
  .meta({ id: 'VoiceRegistrationJsonBody' });

const emptyAsMissing = (v: unknown) => (v === '' ? undefined : v);

/** Text parts of the `multipart/form-data` PUT; empty parts count as absent. */
export const VoiceRegistrationFormFieldsSchema = z.strictObject({
  voice_name: z.preprocess(emptyAsMissing, voiceName.optional()),
  description: z.preprocess(emptyAsMissing, description.optional()),
  account_id: z.preprocess(emptyAsMissing, accountId.optional()),
});

/** `multipart/form-data` form of the PUT: upload the audio itself (the `file` part). */
export const VoiceRegistrationMultipartBodySchema = VoiceRegistrationFormFieldsSchema.extend({
  file: z.file().meta({
    description: `The voice sample (${VOICE_SAMPLE_FORMATS.join(', ')}; recognised by its content, not by its name or declared type), at most VOICE_CLONE_MAX_SIZE_MB and at least VOICE_CLONE_MIN_DURATION seconds long`,
  }),
}).meta({ id: 'VoiceRegistrationMultipartBody' });

export const VoiceMappingSchema = z
  .object({
    caller_id: z.string().meta({ description: 'E.164' }),
    voice_sample_url: z.string().meta({ description: 'Where the sample is read from when the voice is cloned' }),
    voice_name: z.string(),
    description: z.string().nullable(),
    account_id: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'VoiceMapping', description: 'A caller’s registered voice sample' });

/** Answer of the PUT (201 new or restored mapping, 200 replaced): the mapping, what was measured, and whether it may be cloned. */
export const VoiceRegistrationResponseSchema = VoiceMappingSchema.extend({
  voice_sample: z.object({
    format: z.enum(VOICE_SAMPLE_FORMATS as [VoiceSampleFormat, ...VoiceSampleFormat[]]),
    mime_type: z.string(),
    size_bytes: z.number().int(),
    duration_seconds: z.number(),
  }),
  consent: z
    .object({
      status: z.enum(['given', 'withdrawn', 'none']).meta({ description: 'The caller’s consent to voice cloning: on record, withdrawn, or never recorded' }),
      required: z.boolean().meta({ description: 'REQUIRE_CLONE_CONSENT: without consent on record the voice is not cloned (withdrawn consent never is)' }),
    })
    .meta({ description: 'Whether the registered sample may be cloned: record consent with PUT /api/v1/callers/{callerId}/consent' }),
}).meta({ id: 'VoiceRegistrationResponse' });

// --- Consent: PUT/GET/DELETE /api/v1/callers/:callerId/consent ----------------------------------

/** Recording consent replaces the caller's record; after a withdrawal it is consent given anew. */
export const ConsentBodySchema = z
  .strictObject({
    method: z.string().trim().min(1).max(64).meta({ description: 'How consent was obtained, e.g. `written`, `web_form`, `recorded_call`' }),
    recorded_by: z.string().trim().min(1).max(255).meta({ description: 'Who recorded the consent (a person or a system)' }),
    evidence: z.string().trim().min(1).max(2048).nullable().optional().meta({ description: 'Where the evidence is kept: a document id, a recording reference' }),
    given_at: timestamp.optional().meta({ description: 'When consent was given, ISO 8601 with offset, from 2000-01-01 up to now; default now' }),
  })
  .meta({ id: 'ConsentBody' });

export const ConsentSchema = z
  .object({
    caller_id: z.string().meta({ description: 'E.164' }),
    status: z.enum(['given', 'withdrawn']),
    given_at: timestamp,
    method: z.string(),
    recorded_by: z.string(),
    evidence: z.string().nullable(),
    withdrawn_at: timestamp.nullable(),
    withdrawn_by: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Consent', description: 'A caller’s consent to have their voice cloned, with its withdrawal if any' });

export const ConsentWithdrawalQuerySchema = z.object({
  withdrawn_by: z.string().trim().min(1).max(255).optional().meta({ description: 'Who withdrew the consent (recorded with it)' }),
});

export const ConsentWithdrawalResponseSchema = z
  .object({
    caller_id: z.string(),
    consent: ConsentSchema.nullable().meta({ description: 'The record after the withdrawal; null when no consent was ever recorded' }),
    removed: z.object({
      registration: z
        .enum(['deleted', 'already_deleted', 'none'])
        .meta({ description: 'The voice-sample registration: deleted by this request, deleted before, or never made' }),
      sample_file: z
        .enum(['deleted', 'shared', 'failed', 'none'])
        .meta({ description: 'The stored sample: deleted (or already gone), kept because another caller’s registration uses it, not deleted because storage failed (repeat the request), or none' }),
      cached_clones: z.number().int().meta({ description: 'Cached clones invalidated by this request (never used again)' }),
      voices_deleted: z.array(z.string()).meta({ description: 'Cloned voices of the caller deleted at ElevenLabs now' }),
      voices_pending: z
        .array(z.object({ voice_id: z.string(), reason: z.enum(['in_use', 'elevenlabs_error']) }))
        .meta({ description: 'Cloned voices still at ElevenLabs: a live call speaks in it (deleted after the call), or ElevenLabs failed; the cleanup job deletes them' }),
    }),
    pending_voice_deletion: z
      .enum(['scheduled', 'next_cleanup', 'none'])
      .meta({ description: 'For voices_pending: a cleanup run was started now, the next scheduled run will do it, or nothing is pending' }),
  })
  .meta({ id: 'ConsentWithdrawalResponse' });

// --- GET /callers/:callerId/calls ---------------------------------------------------------------

export const CallerCallsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size, 1..100' }),
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
});

export const CallLogEntrySchema = z
  .object({
    call_id: z.string().meta({ description: 'Our call id (the workflow id)' }),
    threecx_call_id: z.string(),
    caller_id: z.string(),
    status: z.string().meta({ description: 'initiated (in progress), completed, abandoned (the caller hung up before the agent), failed or cancelled' }),
    cloned_voice_id: z.string().nullable(),
    call_started_at: timestamp,
    call_ended_at: timestamp.nullable(),
    duration_seconds: z.number().int().nullable(),
    transcript: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).meta({ description: 'voice_source, fallback_reason, conversation ids, step times, ...' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'CallLogEntry' });

export const CallerCallsResponseSchema = z
  .object({
    caller_id: z.string(),
    total: z.number().int().meta({ description: 'All calls of the caller, not just this page' }),
    limit: z.number().int(),
    offset: z.number().int(),
    calls: z.array(CallLogEntrySchema).meta({ description: 'Newest first' }),
  })
  .meta({ id: 'CallerCallsResponse' });

// --- GET /api/v1/statistics ---------------------------------------------------------------------

/** `since` must come before `until` (checked by the route once the defaults are filled in). */
export const StatisticsQuerySchema = z.object({
  since: timestamp.optional().meta({ description: 'Start of the window (inclusive), ISO 8601 with offset; default 24 h before `until`' }),
  until: timestamp.optional().meta({ description: 'End of the window (exclusive), ISO 8601 with offset; default now' }),
});

const rate = z.number().min(0).max(1).nullable().meta({ description: 'Fraction 0..1; null when there is nothing to divide by' });
const millis = z.number().nullable().meta({ description: 'Milliseconds; null without data' });

export const StatisticsResponseSchema = z
  .object({
    window: z.object({ since: timestamp, until: timestamp }),
    calls: z
      .object({
        total: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
        abandoned: z.number().int().meta({ description: 'The caller hung up before the agent answered' }),
        cancelled: z.number().int(),
        in_progress: z.number().int(),
      })
      .meta({ description: 'Calls that started in the window, by call_log status' }),
    hold: z
      .object({
        calls: z.number().int().meta({ description: 'Calls with a measured hold (metadata.hold_ms)' }),
        p50_ms: millis,
        p95_ms: millis,
        abandoned_during_hold: z.number().int(),
        abandonment_rate: rate.meta({ description: 'abandoned / calls that ended (completed, abandoned, failed)' }),
        dead_air_p95_ms: millis.meta({ description: 'Per call: hold audio the caller did not get in time' }),
      })
      .meta({ description: 'What callers heard before the agent: greeting and music on their own call' }),
    handoff_failures: z
      .array(z.object({ reason: z.string(), count: z.number().int(), fallback_routed: z.number().int() }))
      .meta({ description: 'Failed calls by failure_reason (agent unavailable, socket dropped, route failed…), with how many reached FALLBACK_DESTINATION' }),
    voice: z
      .object({
        decided_calls: z.number().int().meta({ description: 'Calls that reached a voice decision (metadata.voice_source set)' }),
        cache: z.number().int(),
        clone: z.number().int(),
        default: z.number().int(),
        cache_hit_rate: rate.meta({ description: 'cache / decided_calls' }),
      })
      .meta({ description: 'Which voice the agent spoke with' }),
    fallback: z.object({
      total: z.number().int(),
      rate: rate.meta({ description: 'Calls on the default voice / decided_calls' }),
      by_reason: z.array(z.object({ reason: z.string(), count: z.number().int(), rate })).meta({ description: 'Most frequent first; rate is count / decided_calls' }),
    }),
    clone_time_ms: z
      .object({
        attempts: z.number().int(),
        succeeded: z.number().int(),
        failed: z.number().int(),
        avg: millis,
        p95: millis,
      })
      .meta({ description: 'ElevenLabs clone requests logged in the window (voice_clone_log); avg and p95 over the successful ones' }),
    clone_ready_to_transfer_ms: z
      .object({ count: z.number().int(), avg: millis, p95: millis })
      .meta({ description: 'From clone_ready_events.ready_at to clone_transfer_events.transferred_at of the same call, for hand-offs in the window' }),
  })
  .meta({ id: 'StatisticsResponse' });

export type VoiceMapping = z.infer<typeof VoiceMappingSchema>;
export type VoiceRegistrationResponse = z.infer<typeof VoiceRegistrationResponseSchema>;
export type ConsentView = z.infer<typeof ConsentSchema>;
export type ConsentWithdrawalResponse = z.infer<typeof ConsentWithdrawalResponseSchema>;
export type CallLogEntry = z.infer<typeof CallLogEntrySchema>;
export type CallerCallsResponse = z.infer<typeof CallerCallsResponseSchema>;
export type StatisticsResponse = z.infer<typeof StatisticsResponseSchema>;
