/** [SPEC] ASRInputFormat and TTSOutputFormat: the same seven values. */
export const AGENT_AUDIO_FORMATS = ['pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_44100', 'pcm_48000', 'ulaw_8000'] as const;
export type AgentAudioFormat = (typeof AGENT_AUDIO_FORMATS)[number];

/** Which conversation_config fields a conversation may override [SPEC ConversationConfigClientOverrideConfig-Output]. */
export interface AgentOverridePermissions {
  voiceId: boolean;
  firstMessage: boolean;
  language: boolean;
  prompt: boolean;
}

/** The agent settings the sandbox honours; each maps to one field of GetAgentResponseModel (see agents/wire.ts). */
export interface SandboxAgentSettings {
  name: string;
  /** conversation_config.tts.voice_id */
  voiceId: string;
  /** conversation_config.agent.first_message ("" = the agent waits for the user [SPEC AgentConfigAPIModel]). */
  firstMessage: string;
  language: string;
  /** conversation_config.asr.user_input_audio_format */
  userInputAudioFormat: AgentAudioFormat;
  /** conversation_config.tts.agent_output_audio_format */
  agentOutputAudioFormat: AgentAudioFormat;
  /** platform_settings.overrides.conversation_config_override.* */
  overrides: AgentOverridePermissions;
  /** platform_settings.overrides.enable_conversation_initiation_client_data_from_webhook */
  enableInitiationWebhook: boolean;
  /** platform_settings.workspace_overrides.conversation_initiation_client_data_webhook (null: the workspace's). */
  initiationWebhook: { url: string; headers: Record<string, string> } | null;
  /** platform_settings.workspace_overrides.webhooks.post_call_webhook_id; null: no post-call webhook is sent. */
  postCallWebhookId: string | null;
  /** platform_settings.auth.enable_auth: conversations need a signed URL [SPEC AuthSettings]. */
  requireSignedUrl: boolean;
}

/** Settings to change; what is left out keeps its value (or the default, for a new agent). */
export type SandboxAgentPatch = Partial<Omit<SandboxAgentSettings, 'overrides'>> & { overrides?: Partial<AgentOverridePermissions> };

export const DEFAULT_AGENT_ID = 'agent_sandbox';
export const RACHEL_VOICE_ID = '21m00Tcm4TlvDq8ikWAM';

/** Well configured for our call path; pcm_16000 both ways as ElevenLabs' defaults are [SPEC ASRConversationalConfig, TTSConversationalConfig]. */
export function defaultAgentSettings(): SandboxAgentSettings {
  return {
    name: 'Sandbox agent',
    voiceId: RACHEL_VOICE_ID,
    firstMessage: 'Hello! How can I help you today?',
    language: 'en',
    userInputAudioFormat: 'pcm_16000',
    agentOutputAudioFormat: 'pcm_16000',
    overrides: { voiceId: true, firstMessage: true, language: true, prompt: true },
    enableInitiationWebhook: true,
    initiationWebhook: null,
    postCallWebhookId: 'wh_sandbox_post_call',
    requireSignedUrl: false,
  };
}

export interface StoredAgent extends SandboxAgentSettings {
  agentId: string;
  createdAtUnix: number;
}

export class AgentStore {
  readonly agents = new Map<string, StoredAgent>();

  constructor(private readonly initial: Record<string, SandboxAgentPatch> | undefined) {
    this.reset();
  }

  /** Creates the agent with defaults for what `patch` leaves out, or changes an existing one. */
  configure(agentId: string, patch: SandboxAgentPatch): StoredAgent {
    const current = this.agents.get(agentId) ?? { ...defaultAgentSettings(), agentId, createdAtUnix: Math.floor(Date.now() / 1000) };
    const next: StoredAgent = { ...current, ...patch, overrides: { ...current.overrides, ...patch.overrides }, agentId };
    this.agents.set(agentId, next);
    return next;
  }

  reset(): void {
    this.agents.clear();
    const initial = this.initial ?? { [DEFAULT_AGENT_ID]: {} };
    for (const [agentId, patch] of Object.entries(initial)) this.configure(agentId, patch);
  }
}
