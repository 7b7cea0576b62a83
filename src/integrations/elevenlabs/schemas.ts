import { z } from 'zod';

/**
 * Response schemas for the endpoints this service calls, taken from the OpenAPI components of the
 * same name. Loose objects: the API keeps adding fields, and unknown ones must not break parsing.
 */

export const addVoiceResponseSchema = z.looseObject({
  voice_id: z.string().min(1),
  requires_verification: z.boolean(),
});
export type AddVoiceResponse = z.infer<typeof addVoiceResponseSchema>;

export const deleteVoiceResponseSchema = z.looseObject({
  status: z.string(),
});

export const voiceSampleSchema = z.looseObject({
  sample_id: z.string(),
  file_name: z.string(),
  mime_type: z.string(),
  size_bytes: z.number().int(),
  hash: z.string(),
  duration_secs: z.number().nullish(),
});

export const voiceSchema = z.looseObject({
  voice_id: z.string(),
  name: z.string(),
  category: z.string(),
  labels: z.record(z.string(), z.string()).nullish(),
  description: z.string().nullish(),
  samples: z.array(voiceSampleSchema).nullish(),
  preview_url: z.string().nullish(),
  is_owner: z.boolean().nullish(),
  created_at_unix: z.number().int().nullish(),
});
export type VoiceWire = z.infer<typeof voiceSchema>;

/**
 * GetVoicesResponseModel (GET /v1/voices). Only what listVoices maps is checked, and loosely:
 * premade, professional and generated voices carry shapes the clone flow never reads.
 */
export const listedVoiceSchema = z.looseObject({
  voice_id: z.string(),
  name: z.string().nullish(),
  category: z.string().nullish(),
  labels: z.record(z.string(), z.string().nullish()).nullish(),
  description: z.string().nullish(),
  samples: z.array(z.looseObject({ size_bytes: z.number().nullish(), duration_secs: z.number().nullish() })).nullish(),
  created_at_unix: z.number().nullish(),
});
export const voicesListSchema = z.looseObject({
  voices: z.array(listedVoiceSchema),
});
export type ListedVoiceWire = z.infer<typeof listedVoiceSchema>;

export const subscriptionSchema = z.looseObject({
  tier: z.string(),
  status: z.string(),
  voice_slots_used: z.number().int(),
  voice_limit: z.number().int(),
  professional_voice_slots_used: z.number().int().optional(),
  professional_voice_limit: z.number().int().optional(),
  voice_add_edit_counter: z.number().int().optional(),
  max_voice_add_edits: z.number().int().nullish(),
  can_extend_voice_limit: z.boolean().optional(),
  can_use_instant_voice_cloning: z.boolean(),
  character_count: z.number().int().optional(),
  character_limit: z.number().int().optional(),
});
export type SubscriptionWire = z.infer<typeof subscriptionSchema>;

export const conversationStatusSchema = z.enum(['initiated', 'in-progress', 'processing', 'done', 'failed']);
export type ConversationStatus = z.infer<typeof conversationStatusSchema>;

export const dynamicVariableValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const transcriptEntrySchema = z.looseObject({
  role: z.enum(['user', 'agent']),
  message: z.string().nullish(),
  time_in_call_secs: z.number(),
});

export const conversationInitiationClientDataSchema = z.looseObject({
  conversation_config_override: z
    .looseObject({
      tts: z.looseObject({ voice_id: z.string().nullish() }).nullish(),
      agent: z.looseObject({ first_message: z.string().nullish(), language: z.string().nullish() }).nullish(),
    })
    .nullish(),
  dynamic_variables: z.record(z.string(), dynamicVariableValueSchema).nullish(),
  user_id: z.string().nullish(),
});

export const conversationMetadataSchema = z.looseObject({
  start_time_unix_secs: z.number().int(),
  call_duration_secs: z.number().int(),
  termination_reason: z.string().nullish(),
  error: z.looseObject({ code: z.number().int(), reason: z.string().nullish() }).nullish(),
  phone_call: z.looseObject({ type: z.string() }).nullish(),
});

export const conversationAnalysisSchema = z.looseObject({
  call_successful: z.enum(['success', 'failure', 'unknown']),
  transcript_summary: z.string(),
  call_summary_title: z.string().nullish(),
});

export const conversationSchema = z.looseObject({
  agent_id: z.string(),
  conversation_id: z.string(),
  status: conversationStatusSchema,
  user_id: z.string().nullish(),
  transcript: z.array(transcriptEntrySchema),
  metadata: conversationMetadataSchema,
  analysis: conversationAnalysisSchema.nullish(),
  conversation_initiation_client_data: conversationInitiationClientDataSchema.nullish(),
  has_audio: z.boolean(),
  has_user_audio: z.boolean(),
  has_response_audio: z.boolean(),
});
export type ConversationWire = z.infer<typeof conversationSchema>;

export const conversationSummarySchema = z.looseObject({
  agent_id: z.string(),
  agent_name: z.string().nullish(),
  conversation_id: z.string(),
  start_time_unix_secs: z.number().int(),
  call_duration_secs: z.number().int(),
  message_count: z.number().int(),
  status: conversationStatusSchema,
  call_successful: z.enum(['success', 'failure', 'unknown']),
  direction: z.enum(['inbound', 'outbound']).nullish(),
});

export const conversationsPageSchema = z.looseObject({
  conversations: z.array(conversationSummarySchema),
  next_cursor: z.string().nullish(),
  has_more: z.boolean(),
});

/** Business errors: `{"detail":{"status":"voice_limit_reached","message":"…"}}`. */
export const objectErrorDetailSchema = z.looseObject({
  status: z.string(),
  message: z.string().optional(),
});

/** FastAPI validation errors: `{"detail":[{"loc":[…],"msg":"…","type":"…"}]}`. */
export const validationIssueSchema = z.looseObject({
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  type: z.string(),
});

/** Plain FastAPI HTTPException bodies are `{"detail":"Not Found"}`. */
export const errorBodySchema = z.looseObject({
  detail: z.union([objectErrorDetailSchema, z.array(validationIssueSchema), z.string()]),
});
