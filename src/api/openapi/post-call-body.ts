import { z } from 'zod';
import {
  callInitiationFailureDataSchema,
  callInitiationFailureEventSchema,
  postCallAudioEventSchema,
  postCallTranscriptionDataSchema,
  postCallTranscriptionEventSchema,
  webhookEnvelopeSchema,
} from '../../integrations/elevenlabs/postcall-payload';
import { NO_NUL_PATTERN } from './string-rules';

// The post-call webhook body as the route reads it: the envelope, then the data schema its `type`
// names, then the ids we store checked (assertStorableIds in src/api/post-call.ts).

const ROUTED_TYPES = ['post_call_transcription', 'call_initiation_failure', 'post_call_audio'] as const;

const storableId = z.string().max(255).meta({ pattern: NO_NUL_PATTERN, description: 'at most 255 characters, no NUL' });

const routedIds = { conversation_id: storableId, user_id: storableId.nullish() };

export const PostCallWebhookBodySchema = z.union([
  postCallTranscriptionEventSchema.extend({ data: postCallTranscriptionDataSchema.extend(routedIds) }),
  callInitiationFailureEventSchema.extend({ data: callInitiationFailureDataSchema.extend(routedIds) }),
  postCallAudioEventSchema,
  webhookEnvelopeSchema.extend({
    type: z.string().meta({ not: { enum: [...ROUTED_TYPES] }, description: 'any other type: acknowledged (200 ignored) whatever its data' }),
  }),
]);
