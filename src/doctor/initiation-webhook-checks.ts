import { z } from 'zod';
import type { Config } from '../config';
import type { AgentSettings } from '../integrations/elevenlabs/agent-settings';
import { checksFor, type DoctorCheck } from './types';
import { CONVERSATION_INIT_WEBHOOK_PATH, webhookUrl } from './webhook-urls';

const check = checksFor('elevenlabs');

function targetFix(config: Config): string {
  const header = config.elevenlabs.initWebhookSecret ? 'Authorization: Bearer <ELEVENLABS_INIT_WEBHOOK_SECRET>' : 'Authorization: Bearer <a secret you also set as ELEVENLABS_INIT_WEBHOOK_SECRET>';
  return `Set the conversation-initiation webhook (ElevenLabs → Agents Platform → Settings, or PATCH /v1/convai/settings {"conversation_initiation_client_data_webhook":{"url":…,"request_headers":{…}}}) to URL ${webhookUrl(config, CONVERSATION_INIT_WEBHOOK_PATH)} with the header "${header}".`;
}

/** SIP mode: ElevenLabs asks our webhook how to start each SIP call (voice, first message, user_id). */
export function initiationWebhookChecks(config: Config, agent: AgentSettings): DoctorCheck[] {
  const enabled = agent.initiationWebhookEnabled
    ? check.ok('elevenlabs.initiation-webhook', 'The agent fetches conversation-initiation data from the webhook')
    : check.fail(
        'elevenlabs.initiation-webhook',
        `Agent ${agent.agentId} does not fetch conversation-initiation data from a webhook: SIP calls reach it without our voice, first message or call id (the agent's own voice, no transcript matching)`,
        `Enable it in the agent's Security tab (fetch initiation client data from webhook), or PATCH /v1/convai/agents/${agent.agentId} {"platform_settings":{"overrides":{"enable_conversation_initiation_client_data_from_webhook":true}}}.`,
      );
  return [enabled, target(config, agent)];
}

// AgentWorkspaceOverrides.conversation_initiation_client_data_webhook [SPEC ConversationInitiationClientDataWebhook]:
// header values are a string or a stored secret `{secret_id}`.
const webhookSchema = z.looseObject({
  url: z.string(),
  request_headers: z.record(z.string(), z.union([z.string(), z.looseObject({ secret_id: z.string() })])).nullish(),
});

function target(config: Config, agent: AgentSettings): DoctorCheck {
  const id = 'elevenlabs.initiation-webhook-target';
  const raw = agent.raw.platform_settings?.workspace_overrides?.['conversation_initiation_client_data_webhook'];
  const parsed = webhookSchema.safeParse(raw);
  if (!parsed.success) {
    return check.skipped(
      id,
      'The agent uses the workspace\'s conversation-initiation webhook, which this client cannot read (no method for GET /v1/convai/settings in src/integrations/elevenlabs): check it by hand',
      targetFix(config),
    );
  }
  const { url, request_headers: headers } = parsed.data;
  const expected = webhookUrl(config, CONVERSATION_INIT_WEBHOOK_PATH);
  const urlOk = config.http.publicBaseUrl ? url.replace(/\/+$/, '') === expected : url.replace(/\/+$/, '').endsWith(CONVERSATION_INIT_WEBHOOK_PATH);
  if (!urlOk) return check.fail(id, `The agent's conversation-initiation webhook goes to ${url}, not ${expected}: SIP calls start without our voice and call id`, targetFix(config));
  const secret = config.elevenlabs.initWebhookSecret;
  const auth = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  if (!secret) return check.ok(id, `The agent's conversation-initiation webhook goes to ${url} (no ELEVENLABS_INIT_WEBHOOK_SECRET: our endpoint checks no header)`);
  if (auth === undefined) return check.fail(id, `The agent's conversation-initiation webhook sends no Authorization header: our endpoint answers 401 and SIP calls start without our voice`, targetFix(config));
  if (typeof auth !== 'string') return check.ok(id, `The agent's conversation-initiation webhook goes to ${url}; its Authorization header is the stored secret ${auth.secret_id} (not readable: make sure it is "Bearer <ELEVENLABS_INIT_WEBHOOK_SECRET>")`);
  if (auth.trim() !== `Bearer ${secret}`) return check.fail(id, `The agent's conversation-initiation webhook sends an Authorization header that is not "Bearer <ELEVENLABS_INIT_WEBHOOK_SECRET>": our endpoint answers 401`, targetFix(config));
  return check.ok(id, `The agent's conversation-initiation webhook goes to ${url} with the configured bearer secret`);
}
