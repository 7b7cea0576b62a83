import { z } from 'zod';
import { threeCxEventBodySchema } from '../../integrations/threecx/payload';
import { callerIdParamSchema, callIdParamSchema } from '../params';
import {
  CallerCallsQuerySchema,
  CallerCallsResponseSchema,
  ConsentBodySchema,
  ConsentSchema,
  ConsentWithdrawalQuerySchema,
  ConsentWithdrawalResponseSchema,
  ErrorResponseSchema,
  StatisticsQuerySchema,
  StatisticsResponseSchema,
  VoiceMappingSchema,
  VoiceRegistrationJsonBodySchema,
  VoiceRegistrationMultipartBodySchema,
  VoiceRegistrationResponseSchema,
} from '../schemas/admin';
import {
  CacheInvalidationResponseSchema,
  CallActionResponseSchema,
  CallStatusResponseSchema,
  CloneStatusResponseSchema,
  ConversationInitRequestSchema,
  ConversationInitResponseSchema,
  PostCallWebhookResponseSchema,
  WebhookAcceptedSchema,
} from '../schemas/calls';
import { HealthResponseSchema } from '../schemas/service';
import type { Operation } from './build';
import { PostCallWebhookBodySchema } from './post-call-body';

const error = (description: string) => ({ description, schema: ErrorResponseSchema });
const adminErrors = { 401: error('Missing or wrong bearer token (when ADMIN_API_TOKEN is set)') };
const badCallId = { 400: error('The call id does not match its pattern, or is not percent-encoded correctly in the URL') };
const badCallerId = { 400: error('The caller id does not match its pattern, or is not a phone number (format `phone-number`)') };
const callStates = { 404: error('No call with this id (unknown_call)'), 409: error('The call is no longer running (call_closed)') };

const OPERATOR_UPDATES = [
  ['use-default-voice', 'useDefaultVoice', 'Stop waiting for the clone; hand off with the default voice', 'the caller is no longer holding (already handed off or ended)'],
  ['retry-clone', 'retryClone', 'Ask for the caller’s clone again and restart the wait', 'the caller is no longer holding, has no usable number, or the cloned voice is already chosen'],
  ['hand-off-now', 'handOffNow', 'Hand the caller to the agent now (AUTO_TRANSITION_ENABLED=false)', 'the caller is no longer holding'],
] as const;

const operatorUpdate = ([action, update, summary, refusal]: (typeof OPERATOR_UPDATES)[number]): Operation => ({
  method: 'post',
  path: `/calls/:callId/${action}`,
  operationId: update,
  summary,
  description: `Runs the workflow Update \`${update}\` (as \`temporal workflow update execute --workflow-id <callId> --name ${update}\`): the workflow checks it and answers with the status once it has taken effect.`,
  tags: ['operators'],
  security: 'admin',
  params: callIdParamSchema,
  responses: {
    200: { description: 'Applied; the call’s status after it', schema: CallActionResponseSchema },
    ...badCallId,
    ...adminErrors,
    ...callStates,
    409: error(`The call is no longer running (call_closed), or the workflow refused the action (action_refused, with the reason: ${refusal})`),
  },
});

const callerOperation = (op: Omit<Operation, 'security' | 'params'>): Operation => ({
  ...op,
  security: 'admin',
  params: callerIdParamSchema,
  responses: { ...badCallerId, ...adminErrors, ...op.responses },
});

/** Every route of the API. tests/api/openapi.test.ts fails when a route is missing here. */
export const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/webhook/3cx',
    aliases: ['/webhook/3cx-call'],
    operationId: 'threeCxWebhook',
    summary: '3CX call event',
    description:
      '`IncomingCall` starts the call’s workflow (id `call-<pbx>-<call_id>`, each part percent-encoded with `-` as `%2D`; a re-delivery starts nothing and answers `duplicate: true`; an outbound call is ignored). `CallStateChanged` and `CallEnded` signal it. Raw 3CX names (`ani`, `party_caller_id`, `did`, `callid`, …) are accepted for the seeds’ names.',
    tags: ['webhooks'],
    security: '3cx-signature',
    body: [{ contentType: 'application/json', schema: threeCxEventBodySchema }],
    responses: {
      202: { description: 'Accepted (or ignored: an outbound call)', schema: WebhookAcceptedSchema },
      400: error('Invalid JSON, or a field fails the schema (named in the message and details)'),
      401: error('X-3CX-Signature missing or wrong'),
      403: error('Client address not in THREECX_TRUSTED_IPS'),
      404: error('CallStateChanged/CallEnded for a call that is not running'),
      413: error('Body over WEBHOOK_MAX_BODY_KB'),
    },
  },
  {
    method: 'post',
    path: '/webhook/elevenlabs/postcall',
    aliases: ['/webhook/post-call'],
    operationId: 'elevenLabsPostCallWebhook',
    summary: 'ElevenLabs post-call webhook',
    description:
      '`post_call_transcription` and `call_initiation_failure` are stored and handed to the call (by `user_id` when it is one of our call ids, else by conversation id); a re-delivery is a no-op. `post_call_audio` and other types are acknowledged and ignored.',
    tags: ['webhooks'],
    security: 'elevenlabs-signature',
    body: [{ contentType: 'application/json', schema: PostCallWebhookBodySchema }],
    bodyMayHoldNul: true,
    responses: {
      200: { description: 'Handled', schema: PostCallWebhookResponseSchema },
      400: error('Invalid JSON, or the payload does not match the schema of its type'),
      401: error('ElevenLabs-Signature missing, stale (over 30 min) or wrong'),
      413: error('Body over POSTCALL_MAX_BODY_KB'),
    },
  },
  {
    method: 'post',
    path: '/webhook/elevenlabs/conversation-init',
    operationId: 'elevenLabsConversationInitWebhook',
    summary: 'ElevenLabs conversation-initiation webhook (SIP hand-off)',
    description:
      'ElevenLabs asks how to start the conversation as a SIP call reaches the agent. A call handed off by a workflow (matched by the called number, the caller and the time) gets its voice, first message and variables as overrides; anything else gets an answer without overrides (the agent’s own voice), never an error.',
    tags: ['webhooks'],
    security: 'init-webhook-token',
    body: [{ contentType: 'application/json', schema: ConversationInitRequestSchema }],
    bodyMayHoldNul: true,
    responses: {
      200: { description: 'How to start the conversation', schema: ConversationInitResponseSchema },
      400: error('Not JSON, or JSON that is not an object'),
      401: error('Missing or wrong bearer token (when ELEVENLABS_INIT_WEBHOOK_SECRET is set)'),
      413: error('Body over WEBHOOK_MAX_BODY_KB'),
    },
  },
  {
    method: 'get',
    path: '/calls/:callId',
    operationId: 'getCallStatus',
    summary: 'A call’s live status, from the workflow',
    description: 'Answered by the workflow’s `status` query. With no worker running it falls back to the server’s description and the call log, and says so (`source: history`).',
    tags: ['operators'],
    security: 'admin',
    params: callIdParamSchema,
    responses: { 200: { description: 'Status', schema: CallStatusResponseSchema }, ...badCallId, ...adminErrors, 404: callStates[404] },
  },
  {
    method: 'post',
    path: '/calls/:callId/cancel',
    operationId: 'cancelCall',
    summary: 'Cancel a call (with cleanup)',
    description:
      'Workflow cancellation, as `temporal workflow cancel` or the Web UI’s Cancel: the caller hears CANCEL_MESSAGE and is routed to FALLBACK_DESTINATION or dropped, the call log is marked cancelled and the clone job released. Answers after the cleanup (at most 15 s).',
    tags: ['operators'],
    security: 'admin',
    params: callIdParamSchema,
    responses: { 202: { description: 'Cancelled; the call’s status after the cleanup', schema: CallActionResponseSchema }, ...badCallId, ...adminErrors, ...callStates },
  },
  ...OPERATOR_UPDATES.map(operatorUpdate),
  callerOperation({
    method: 'get',
    path: '/api/clone-status/:callerId',
    operationId: 'getCloneStatus',
    summary: 'Whether a caller’s cloned voice is ready',
    tags: ['operators'],
    responses: { 200: { description: 'Clone status', schema: CloneStatusResponseSchema } },
  }),
  callerOperation({
    method: 'get',
    path: '/callers/:callerId/calls',
    operationId: 'listCallerCalls',
    summary: 'A caller’s calls, newest first',
    tags: ['operators'],
    query: CallerCallsQuerySchema,
    responses: { 200: { description: 'Page of calls', schema: CallerCallsResponseSchema }, 400: error('Bad caller id, limit or offset') },
  }),
  callerOperation({
    method: 'put',
    path: '/api/v1/callers/:callerId/voice',
    operationId: 'putCallerVoice',
    summary: 'Register or replace a caller’s voice sample',
    description:
      'Upload audio (multipart `file`) or name a sample already in storage (JSON `voice_sample_url`). The audio is validated by its bytes; the caller’s cached clones are invalidated. Cloning also needs the caller’s consent (PUT …/consent) when REQUIRE_CLONE_CONSENT is on.',
    tags: ['admin'],
    body: [
      { contentType: 'multipart/form-data', schema: VoiceRegistrationMultipartBodySchema },
      { contentType: 'application/json', schema: VoiceRegistrationJsonBodySchema },
    ],
    responses: {
      200: { description: 'Replaced', schema: VoiceRegistrationResponseSchema },
      201: { description: 'Registered', schema: VoiceRegistrationResponseSchema },
      400: error('Bad caller id or fields, malformed multipart, or a voice_sample_url outside the allowed storage (traversal, another bucket)'),
      413: error('Sample over VOICE_CLONE_MAX_SIZE_MB'),
      415: error('Neither multipart/form-data nor application/json'),
      422: error('Not usable audio (invalid_voice_sample) or no such sample (voice_sample_not_found)'),
      503: error('Voice sample storage unavailable (storage_unavailable); try again'),
    },
  }),
  callerOperation({
    method: 'get',
    path: '/api/v1/callers/:callerId/voice',
    operationId: 'getCallerVoice',
    summary: 'A caller’s voice sample mapping',
    tags: ['admin'],
    responses: { 200: { description: 'Mapping', schema: VoiceMappingSchema }, 404: error('No mapping') },
  }),
  callerOperation({
    method: 'delete',
    path: '/api/v1/callers/:callerId/voice',
    operationId: 'deleteCallerVoice',
    summary: 'Remove a caller’s voice sample mapping (soft delete)',
    description: 'The row is kept (deleted_at) with its stored sample; the caller’s cached clones are invalidated at once.',
    tags: ['admin'],
    responses: { 204: { description: 'Deleted' }, 404: error('No mapping') },
  }),
  callerOperation({
    method: 'put',
    path: '/api/v1/callers/:callerId/consent',
    operationId: 'putCallerConsent',
    summary: 'Record a caller’s consent to voice cloning',
    description: 'Replaces the caller’s record; after a withdrawal it is consent given anew. `given_at` must lie between 2000-01-01 and now (a minute of clock skew allowed).',
    tags: ['admin'],
    body: [{ contentType: 'application/json', schema: ConsentBodySchema }],
    responses: {
      200: { description: 'Replaced, or given again after a withdrawal', schema: ConsentSchema },
      201: { description: 'Recorded', schema: ConsentSchema },
      400: error('Bad caller id, invalid JSON or fields, or given_at before 2000-01-01 or in the future'),
      413: error('Body over 16 kB'),
      415: error('Not application/json'),
    },
  }),
  callerOperation({
    method: 'get',
    path: '/api/v1/callers/:callerId/consent',
    operationId: 'getCallerConsent',
    summary: 'A caller’s consent record (given or withdrawn)',
    tags: ['admin'],
    responses: { 200: { description: 'Consent', schema: ConsentSchema }, 404: error('No consent recorded') },
  }),
  callerOperation({
    method: 'delete',
    path: '/api/v1/callers/:callerId/consent',
    operationId: 'withdrawCallerConsent',
    summary: 'Withdraw a caller’s consent: delete their sample, cached clones and voices at ElevenLabs',
    description: 'Idempotent. Voices a live call is speaking in are deleted after that call (voices_pending); the answer lists what was removed.',
    tags: ['admin'],
    query: ConsentWithdrawalQuerySchema,
    responses: { 200: { description: 'Withdrawn', schema: ConsentWithdrawalResponseSchema }, 400: error('Bad caller id or withdrawn_by') },
  }),
  callerOperation({
    method: 'delete',
    path: '/api/v1/cache/:callerId',
    operationId: 'invalidateCallerCache',
    summary: 'Invalidate a caller’s cached clones',
    description: 'The clones are invalid at once; the cleanup Schedule is triggered and deletes the voices at ElevenLabs.',
    tags: ['admin'],
    responses: { 200: { description: 'Invalidated', schema: CacheInvalidationResponseSchema } },
  }),
  {
    method: 'get',
    path: '/api/v1/statistics',
    operationId: 'getStatistics',
    summary: 'Call, hold, hand-off, cache, clone and fallback statistics (computed in SQL)',
    description: 'Over the window [since, until): `since` must come before `until` once the defaults are filled in (until: now; since: 24 h before until), so a `since` in the future needs an `until` after it.',
    tags: ['admin'],
    security: 'admin',
    query: StatisticsQuerySchema,
    responses: {
      200: { description: 'Statistics', schema: StatisticsResponseSchema },
      400: error('since or until not an ISO 8601 time with offset, or since not before until'),
      ...adminErrors,
    },
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Database, Temporal and ElevenLabs checks (answers within 1 s; one round of checks answers for 5 s)',
    tags: ['service'],
    responses: { 200: { description: 'ok or degraded', schema: HealthResponseSchema }, 503: { description: 'error', schema: HealthResponseSchema } },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics of the API process',
    tags: ['service'],
    responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain', schema: z.string() } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tags: ['service'],
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getDocs',
    summary: 'Interactive API documentation',
    tags: ['service'],
    responses: { 200: { description: 'HTML', contentType: 'text/html', schema: z.string() } },
  },
];
