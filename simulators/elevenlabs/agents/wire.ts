import type { StoredAgent } from './settings';

export interface AgentPhoneNumber {
  phoneNumber: string;
  phoneNumberId: string;
}

/** platform_settings [SPEC AgentPlatformSettingsResponseModel]: only the parts the sandbox models. */
function platformSettingsWire(a: StoredAgent): Record<string, unknown> {
  return {
    auth: { enable_auth: a.requireSignedUrl, allowlist: [], shareable_token: null },
    // [SPEC ConversationInitiationClientDataConfig-Output]
    overrides: {
      conversation_config_override: {
        tts: { voice_id: a.overrides.voiceId },
        conversation: { text_only: false },
        agent: { first_message: a.overrides.firstMessage, language: a.overrides.language, prompt: { prompt: a.overrides.prompt, native_mcp_server_ids: false } },
      },
      custom_llm_extra_body: false,
      enable_conversation_initiation_client_data_from_webhook: a.enableInitiationWebhook,
    },
    // [SPEC AgentWorkspaceOverrides-Output, ConversationInitiationClientDataWebhook, ConvAIWebhooks]
    workspace_overrides: {
      conversation_initiation_client_data_webhook:
        a.initiationWebhook === null ? null : { url: a.initiationWebhook.url, request_headers: a.initiationWebhook.headers },
      webhooks: { post_call_webhook_id: a.postCallWebhookId, send_audio: false },
    },
  };
}

/** GetAgentResponseModel [SPEC get_agent_route]: the required fields plus those our doctor reads, in their real places. */
export function agentWire(a: StoredAgent, phoneNumbers: AgentPhoneNumber[]): Record<string, unknown> {
  return {
    agent_id: a.agentId,
    name: a.name,
    conversation_config: {
      // [SPEC ASRConversationalConfig]
      asr: { quality: 'high', provider: 'elevenlabs', user_input_audio_format: a.userInputAudioFormat, keywords: [] },
      // [SPEC TTSConversationalConfig-Output]
      tts: {
        model_id: 'eleven_turbo_v2',
        voice_id: a.voiceId,
        supported_voices: [],
        agent_output_audio_format: a.agentOutputAudioFormat,
        optimize_streaming_latency: 3,
        stability: 0.5,
        speed: 1,
        similarity_boost: 0.8,
        pronunciation_dictionary_locators: [],
      },
      // [SPEC AgentConfigAPIModel-Output]
      agent: { first_message: a.firstMessage, language: a.language, dynamic_variables: { dynamic_variable_placeholders: {} } },
    },
    metadata: { created_at_unix_secs: a.createdAtUnix },
    platform_settings: platformSettingsWire(a),
    // [SPEC GetPhoneNumberSIPTrunkResponseModel]
    phone_numbers: phoneNumbers.map((n) => ({
      phone_number: n.phoneNumber,
      label: `sandbox ${n.phoneNumber}`,
      supports_inbound: true,
      supports_outbound: false,
      phone_number_id: n.phoneNumberId,
      assigned_agent: { agent_id: a.agentId, agent_name: a.name },
      provider: 'sip_trunk',
    })),
    tags: [],
  };
}
