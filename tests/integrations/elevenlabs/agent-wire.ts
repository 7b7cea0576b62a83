/** GetAgentResponseModel bodies as the API sends them (field locations per the OpenAPI spec). */

export interface AgentWireOptions {
  voiceOverride?: boolean;
  firstMessageOverride?: boolean;
  webhookEnabled?: boolean;
  inputFormat?: string;
  outputFormat?: string;
  postCallWebhookId?: string | null;
}

export function agentWire(options: AgentWireOptions = {}): Record<string, unknown> {
  return {
    agent_id: 'agent_wire',
    name: 'Pre-call agent',
    conversation_config: {
      asr: { quality: 'high', provider: 'elevenlabs', user_input_audio_format: options.inputFormat ?? 'pcm_8000', keywords: [] },
      tts: { model_id: 'eleven_turbo_v2', voice_id: 'cjVigY5qzO86Huf0OWal', agent_output_audio_format: options.outputFormat ?? 'pcm_8000' },
      agent: { first_message: 'Hello, how can I help?', language: 'en', prompt: { prompt: 'Be brief.' } },
    },
    metadata: { created_at_unix_secs: 1_700_000_000 },
    platform_settings: {
      overrides: {
        conversation_config_override: {
          tts: { voice_id: options.voiceOverride ?? true },
          conversation: { text_only: false },
          agent: { first_message: options.firstMessageOverride ?? true, language: false, prompt: { prompt: false, native_mcp_server_ids: false } },
        },
        custom_llm_extra_body: false,
        enable_conversation_initiation_client_data_from_webhook: options.webhookEnabled ?? true,
      },
      workspace_overrides: {
        conversation_initiation_client_data_webhook: null,
        webhooks: { post_call_webhook_id: options.postCallWebhookId === undefined ? 'wh_1' : options.postCallWebhookId, send_audio: false },
      },
    },
    phone_numbers: [],
    tags: [],
  };
}
