import { randomBytes } from 'node:crypto';
import type { ElevenLabsTarget } from '../bootstrap';
import type { Config } from '../config';
import { DEFAULT_AGENT_ID, startElevenLabsSandbox, type ElevenLabsSandbox } from '../../simulators/elevenlabs';

/** The SIP-trunk number the sandbox imports for `npm start` in HANDOFF_MODE=sip (when none is configured). */
export const DEV_SIP_NUMBER = '+4930123450001';

export interface EmbeddedElevenLabs {
  sandbox: ElevenLabsSandbox;
  target: ElevenLabsTarget;
  /** The post-call webhook secret the sandbox signs with and the API must verify. */
  webhookSecret: string;
  /** The conversation-init webhook's header secret (SIP mode). */
  initWebhookSecret: string;
  sipNumbers: string[];
  /** Point the sandbox's webhooks at the API once it listens. */
  deliverWebhooksTo: (apiUrl: string) => void;
}

/** The local ElevenLabs sandbox for `npm start` without ELEVENLABS_API_KEY: agents, voices and calls are simulated. */
export async function startEmbeddedElevenLabs(config: Config): Promise<EmbeddedElevenLabs> {
  const webhookSecret = config.elevenlabs.webhookSecret ?? `whsec_dev_${randomBytes(16).toString('hex')}`;
  const initWebhookSecret = config.elevenlabs.initWebhookSecret ?? randomBytes(16).toString('hex');
  const agentId = config.elevenlabs.agentId ?? DEFAULT_AGENT_ID;
  const sipNumbers = config.elevenlabs.sipNumbers.length > 0 ? config.elevenlabs.sipNumbers : [DEV_SIP_NUMBER];
  const sandbox = await startElevenLabsSandbox({
    host: '127.0.0.1',
    port: 0,
    webhookSecret,
    agents: { [agentId]: { agentOutputAudioFormat: 'pcm_8000', userInputAudioFormat: 'pcm_8000' } },
    sipNumbers: Object.fromEntries(sipNumbers.map((n) => [n, agentId])),
    cloneLatencyMs: { min: 2000, max: 6000 },
    callDurationMs: 15_000,
  });
  return {
    sandbox,
    webhookSecret,
    initWebhookSecret,
    sipNumbers,
    target: { baseUrl: sandbox.url, apiKey: sandbox.apiKey, agentId },
    deliverWebhooksTo: (apiUrl) =>
      sandbox.configure({
        webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall`,
        conversationInitWebhook: { url: `${apiUrl}/webhook/elevenlabs/conversation-init`, headers: { Authorization: `Bearer ${initWebhookSecret}` } },
      }),
  };
}
