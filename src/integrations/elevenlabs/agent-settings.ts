import { z } from 'zod';

/**
 * GET /v1/convai/agents/{agent_id} [SPEC `GetAgentResponseModel`], read only as far as a start-up
 * check needs. Lenient on purpose: a field that is missing or of an unexpected type reads as the
 * spec's default (overrides off, pcm_16000), so the check reports a misconfiguration instead of
 * failing to parse; everything else is kept in `raw`.
 */

const flag = z.boolean().catch(false);
const text = z.string().nullish().catch(null);
const section = <S extends z.ZodType>(schema: S) => schema.nullish().catch(null);

export const agentSchema = z.looseObject({
  agent_id: z.string().min(1),
  name: text,
  conversation_config: section(
    z.looseObject({
      asr: section(z.looseObject({ user_input_audio_format: text })),
      tts: section(z.looseObject({ voice_id: text, agent_output_audio_format: text })),
      agent: section(z.looseObject({ first_message: text })),
    }),
  ),
  platform_settings: section(
    z.looseObject({
      overrides: section(
        z.looseObject({
          enable_conversation_initiation_client_data_from_webhook: flag,
          conversation_config_override: section(
            z.looseObject({
              tts: section(z.looseObject({ voice_id: flag })),
              agent: section(z.looseObject({ first_message: flag, language: flag, prompt: section(z.looseObject({ prompt: flag })) })),
            }),
          ),
        }),
      ),
      workspace_overrides: section(z.looseObject({ webhooks: section(z.looseObject({ post_call_webhook_id: text })) })),
    }),
  ),
});
export type AgentWire = z.infer<typeof agentSchema>;

/** Which conversation_config fields a conversation may override (agent → Security). */
export interface AgentOverrideFlags {
  ttsVoiceId: boolean;
  firstMessage: boolean;
  language: boolean;
  prompt: boolean;
}

export interface AgentSettings {
  agentId: string;
  name: string;
  /** `conversation_config.tts.voice_id`; null when unset. */
  defaultVoiceId: string | null;
  /** `conversation_config.agent.first_message`; null when empty (the agent waits for the caller). */
  firstMessage: string | null;
  /** `conversation_config.asr.user_input_audio_format`, e.g. `pcm_8000`. */
  userInputAudioFormat: string;
  /** `conversation_config.tts.agent_output_audio_format`, e.g. `pcm_8000`. */
  agentOutputAudioFormat: string;
  overrides: AgentOverrideFlags;
  /** `platform_settings.overrides.enable_conversation_initiation_client_data_from_webhook`. */
  initiationWebhookEnabled: boolean;
  /** `platform_settings.workspace_overrides.webhooks.post_call_webhook_id`. */
  postCallWebhookId: string | null;
  raw: AgentWire;
}

/** The spec's default for both audio formats. */
const DEFAULT_AUDIO_FORMAT = 'pcm_16000';

const nonEmpty = (value: string | null | undefined): string | null => (value === undefined || value === null || value === '' ? null : value);

export function toAgentSettings(raw: AgentWire): AgentSettings {
  const config = raw.conversation_config;
  const platform = raw.platform_settings;
  const allowed = platform?.overrides?.conversation_config_override;
  return {
    agentId: raw.agent_id,
    name: raw.name ?? '',
    defaultVoiceId: nonEmpty(config?.tts?.voice_id),
    firstMessage: nonEmpty(config?.agent?.first_message),
    userInputAudioFormat: nonEmpty(config?.asr?.user_input_audio_format) ?? DEFAULT_AUDIO_FORMAT,
    agentOutputAudioFormat: nonEmpty(config?.tts?.agent_output_audio_format) ?? DEFAULT_AUDIO_FORMAT,
    overrides: {
      ttsVoiceId: allowed?.tts?.voice_id ?? false,
      firstMessage: allowed?.agent?.first_message ?? false,
      language: allowed?.agent?.language ?? false,
      prompt: allowed?.agent?.prompt?.prompt ?? false,
    },
    initiationWebhookEnabled: platform?.overrides?.enable_conversation_initiation_client_data_from_webhook ?? false,
    postCallWebhookId: nonEmpty(platform?.workspace_overrides?.webhooks?.post_call_webhook_id),
    raw,
  };
}

export const signedUrlSchema = z.looseObject({ signed_url: z.string().min(1) });
