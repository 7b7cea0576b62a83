import { randomBytes } from 'node:crypto';
import type { ElevenLabsTarget } from '../bootstrap';
import type { Config } from '../config';
import { startElevenLabsSandbox, type ElevenLabsSandbox } from '../integrations/elevenlabs/sandbox';

export interface EmbeddedElevenLabs {
  sandbox: ElevenLabsSandbox;
  target: ElevenLabsTarget;
  /** The post-call webhook secret the sandbox signs with and the API must verify. */
  webhookSecret: string;
  /** Point the sandbox's post-call webhooks at the API once it listens. */
  deliverWebhooksTo: (apiUrl: string) => void;
}

/** The local ElevenLabs sandbox for `npm start` without ELEVENLABS_API_KEY: calls are simulated. */
export async function startEmbeddedElevenLabs(config: Config): Promise<EmbeddedElevenLabs> {
  const webhookSecret = config.elevenlabs.webhookSecret ?? `whsec_dev_${randomBytes(16).toString('hex')}`;
  const sandbox = await startElevenLabsSandbox({ host: '127.0.0.1', port: 0, webhookSecret });
  return {
    sandbox,
    webhookSecret,
    target: {
      baseUrl: sandbox.url,
      apiKey: sandbox.apiKey,
      agentId: config.elevenlabs.agentId ?? 'agent_sandbox',
      phoneNumberId: config.elevenlabs.phoneNumberId ?? 'phnum_sandbox',
      telephony: config.elevenlabs.telephony,
    },
    deliverWebhooksTo: (apiUrl) => sandbox.configure({ webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall` }),
  };
}
