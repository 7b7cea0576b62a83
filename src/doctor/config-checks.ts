import type { Config } from '../config';
import { checksFor, type DoctorCheck } from './types';
import { CONVERSATION_INIT_WEBHOOK_PATH, POST_CALL_WEBHOOK_PATH, webhookUrl } from './webhook-urls';

const check = checksFor('config');

/** What the configuration alone tells, before anything is asked over the network. */
export function configChecks(config: Config, reach: { elevenlabs: boolean; threecx: boolean }): DoctorCheck[] {
  const checks = [credentials(config, reach), webhookSecrets(config), publicBaseUrl(config)];
  if (config.handoff.mode === 'sip') checks.push(sipRoutePrefix(config));
  return checks;
}

function credentials(config: Config, reach: { elevenlabs: boolean; threecx: boolean }): DoctorCheck {
  const { url, clientId, clientSecret } = config.threecx;
  const missing = [
    !config.elevenlabs.apiKey && `ELEVENLABS_API_KEY (npm start runs the local ElevenLabs sandbox instead${reach.elevenlabs ? '' : '; ElevenLabs checks are left out'})`,
    !(url && clientId && clientSecret) && `THREECX_URL / THREECX_CLIENT_ID / THREECX_CLIENT_SECRET (npm start runs the 3CX simulator instead${reach.threecx ? '' : '; 3CX checks are left out'})`,
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length === 0) return check.ok('config.credentials', 'ElevenLabs and 3CX credentials are set');
  const message = `Not set: ${missing.join('; ')}`;
  const fix =
    'Set ELEVENLABS_API_KEY and ELEVENLABS_AGENT_ID (ElevenLabs → Developers → API keys; the agent id is on the agent\'s page), and THREECX_URL, THREECX_CLIENT_ID, THREECX_CLIENT_SECRET (3CX Admin → Integrations → API). See docs/SETUP-3CX-ELEVENLABS.md.';
  return config.environment === 'production' ? check.fail('config.credentials', message, fix) : check.warn('config.credentials', message, fix);
}

function webhookSecrets(config: Config): DoctorCheck {
  const sip = config.handoff.mode === 'sip';
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!config.elevenlabs.webhookSecret) {
    problems.push('ELEVENLABS_WEBHOOK_SECRET is not set: post-call webhooks are accepted without checking their HMAC signature');
    fixes.push('copy the post-call webhook\'s HMAC secret (ElevenLabs → Agents Platform → Settings → Post-call webhook) into ELEVENLABS_WEBHOOK_SECRET');
  }
  if (sip && !config.elevenlabs.initWebhookSecret) {
    problems.push('ELEVENLABS_INIT_WEBHOOK_SECRET is not set: anyone can ask the conversation-init webhook for call data');
    fixes.push(`choose a long random ELEVENLABS_INIT_WEBHOOK_SECRET and send it from ElevenLabs as the header "Authorization: Bearer <secret>" of the conversation-initiation webhook (${webhookUrl(config, CONVERSATION_INIT_WEBHOOK_PATH)})`);
  }
  if (problems.length === 0) return check.ok('config.webhook-secrets', `Webhook secrets are set (post-call HMAC${sip ? ', conversation-init header' : ''})`);
  const fix = fixes.join('; ');
  return config.environment === 'production'
    ? check.fail('config.webhook-secrets', problems.join('. '), fix)
    : check.warn('config.webhook-secrets', problems.join('. '), fix);
}

function publicBaseUrl(config: Config): DoctorCheck {
  const base = config.http.publicBaseUrl;
  const urls = [webhookUrl(config, POST_CALL_WEBHOOK_PATH), ...(config.handoff.mode === 'sip' ? [webhookUrl(config, CONVERSATION_INIT_WEBHOOK_PATH)] : [])];
  const fix = 'Set PUBLIC_BASE_URL to the https origin under which ElevenLabs reaches this API (e.g. https://voice.example.com, behind the nginx of deploy/).';
  if (!base) {
    return check.warn('config.public-base-url', `PUBLIC_BASE_URL is not set: the webhook URLs to give ElevenLabs cannot be named or compared (${urls.join(', ')})`, fix);
  }
  const url = new URL(base);
  if (config.environment === 'production' && (url.protocol !== 'https:' || /^(localhost|127\.|\[?::1\]?$)/.test(url.hostname))) {
    return check.warn('config.public-base-url', `PUBLIC_BASE_URL ${base} is not a public https address: ElevenLabs cannot deliver webhooks to it`, fix);
  }
  return check.ok('config.public-base-url', `ElevenLabs webhooks go to ${urls.join(' and ')}`);
}

function sipRoutePrefix(config: Config): DoctorCheck {
  const example = config.elevenlabs.sipNumbers[0]?.replace(/^\+/, '') ?? '4930123450001';
  const prefix = config.threecx.sipRoutePrefix;
  if (prefix) return check.ok('config.sip-route-prefix', `Hand-offs are routed to ${prefix}${example}: a 3CX outbound rule must match prefix ${prefix}`);
  return check.warn(
    'config.sip-route-prefix',
    `THREECX_SIP_ROUTE_PREFIX is empty: hand-offs are routed to the bare number ${example}, which 3CX sends out through whichever outbound rule matches it (possibly your PSTN trunk)`,
    'Create a 3CX outbound rule "calls to numbers starting with 999", strip 3 digits, prepend +, route 1 = the ElevenLabs SIP trunk (3CX Admin → Voice & Chat → Outbound Rules), and set THREECX_SIP_ROUTE_PREFIX=999.',
  );
}
