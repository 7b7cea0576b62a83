import type { Config } from '../config';
import type { AgentSettings } from '../integrations/elevenlabs/agent-settings';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { audioFormatCheck } from './audio-format-check';
import { describeError, isAuthFailure } from './describe-error';
import { initiationWebhookChecks } from './initiation-webhook-checks';
import { sipNumbersAssignedCheck } from './sip-number-checks';
import { checksFor, type DoctorCheck } from './types';
import { POST_CALL_WEBHOOK_PATH, webhookUrl } from './webhook-urls';

const check = checksFor('elevenlabs');

/** The checks that read the agent, in report order, for the hand-off mode. */
export function agentCheckIds(mode: Config['handoff']['mode']): string[] {
  return mode === 'bridge'
    ? ['elevenlabs.agent-overrides', 'elevenlabs.audio-formats', 'elevenlabs.signed-url', 'elevenlabs.post-call-webhook']
    : ['elevenlabs.agent-overrides', 'elevenlabs.initiation-webhook', 'elevenlabs.initiation-webhook-target', 'elevenlabs.post-call-webhook', 'elevenlabs.sip-numbers-assigned'];
}

export async function agentChecks(client: ElevenLabsClient, config: Config, agentId: string | undefined): Promise<DoctorCheck[]> {
  const skipAll = (why: string) => agentCheckIds(config.handoff.mode).map((id) => check.skipped(id, why));
  if (!agentId) {
    return [check.fail('elevenlabs.agent', 'ELEVENLABS_AGENT_ID is not set', 'Set ELEVENLABS_AGENT_ID to the id on the agent\'s page (ElevenLabs → Agents Platform → Agents → the agent).'), ...skipAll('Needs the agent')];
  }
  let agent: AgentSettings;
  try {
    agent = await client.getAgent(agentId);
  } catch (err) {
    return [agentFailure(agentId, err), ...skipAll('Needs the agent')];
  }
  const found = check.ok('elevenlabs.agent', `Agent ${agentId} ("${agent.name}") exists`);
  if (config.handoff.mode === 'bridge') {
    return [found, overridesCheck(agent), await audioFormatCheck(agent), await signedUrlCheck(client, agentId), postCallWebhookCheck(config, agent)];
  }
  return [found, overridesCheck(agent), ...initiationWebhookChecks(config, agent), postCallWebhookCheck(config, agent), sipNumbersAssignedCheck(config, agent)];
}

function agentFailure(agentId: string, err: unknown): DoctorCheck {
  if (isElevenLabsError(err, 'notFound')) {
    return check.fail(
      'elevenlabs.agent',
      `Agent ${agentId} does not exist for this API key's workspace: ${describeError(err)}`,
      'Set ELEVENLABS_AGENT_ID to the id on the agent\'s page (ElevenLabs → Agents Platform → Agents → the agent), using an API key of the same workspace.',
    );
  }
  const fix = isAuthFailure(err)
    ? 'Give the API key access to ElevenLabs Agents (ElevenLabs → Developers → API keys → edit the key\'s permissions).'
    : 'Re-run; if it persists, check ELEVENLABS_API_BASE and the ElevenLabs status page.';
  return check.fail('elevenlabs.agent', `Could not read agent ${agentId}: ${describeError(err)}`, fix);
}

function overridesCheck(agent: AgentSettings): DoctorCheck {
  const missing = [!agent.overrides.ttsVoiceId && 'tts.voice_id (the voice)', !agent.overrides.firstMessage && 'agent.first_message (the first message)'].filter(
    (m): m is string => typeof m === 'string',
  );
  if (missing.length === 0) return check.ok('elevenlabs.agent-overrides', 'The agent allows the overrides the hand-off sends: tts.voice_id, agent.first_message');
  return check.fail(
    'elevenlabs.agent-overrides',
    `Agent ${agent.agentId} does not allow overriding ${missing.join(' and ')}: ElevenLabs refuses every hand-off that sends it ("Override for field … is not allowed by config")`,
    `Enable the overrides in the agent's Security tab (Overrides: voice, first message), or PATCH /v1/convai/agents/${agent.agentId} {"platform_settings":{"overrides":{"conversation_config_override":{"tts":{"voice_id":true},"agent":{"first_message":true}}}}}.`,
  );
}

/** Bridge mode opens every conversation through a signed URL (agent-bridge.ts), public agent or not. */
async function signedUrlCheck(client: ElevenLabsClient, agentId: string): Promise<DoctorCheck> {
  try {
    await client.getSignedUrl(agentId);
    return check.ok('elevenlabs.signed-url', 'A signed conversation URL is issued for the agent');
  } catch (err) {
    return check.fail(
      'elevenlabs.signed-url',
      `No signed conversation URL for agent ${agentId}: ${describeError(err)}; the bridge cannot open conversations`,
      isAuthFailure(err) ? 'Give the API key access to ElevenLabs Agents (ElevenLabs → Developers → API keys).' : 'Re-run; if it persists, check the agent and the ElevenLabs status page.',
    );
  }
}

/** The agent's own post-call webhook id; one set only for the whole workspace is not readable with our client (no GET /v1/convai/settings). */
function postCallWebhookCheck(config: Config, agent: AgentSettings): DoctorCheck {
  if (agent.postCallWebhookId) return check.ok('elevenlabs.post-call-webhook', `The agent sends post-call webhooks (webhook ${agent.postCallWebhookId})`);
  return check.warn(
    'elevenlabs.post-call-webhook',
    `Agent ${agent.agentId} names no post-call webhook: unless the workspace default sends one (not readable here), transcripts and durations only come from the lost-webhook recovery, POST_CALL_GRACE_SECONDS after each call`,
    `Create a post-call webhook (ElevenLabs → Agents Platform → Settings → Post-call webhook; HMAC) for ${webhookUrl(config, POST_CALL_WEBHOOK_PATH)}, copy its secret into ELEVENLABS_WEBHOOK_SECRET, and select it for the agent (or PATCH /v1/convai/agents/${agent.agentId} {"platform_settings":{"workspace_overrides":{"webhooks":{"post_call_webhook_id":"<webhook id>"}}}}).`,
  );
}
