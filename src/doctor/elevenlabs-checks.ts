import type { Config } from '../config';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { subscriptionChecks, voiceChecks } from './elevenlabs-account-checks';
import { agentCheckIds, agentChecks } from './elevenlabs-agent-checks';
import { checksFor, type DoctorCheck } from './types';

const check = checksFor('elevenlabs');

/** Key and plan first: with a refused key every other ElevenLabs check would only repeat the refusal. */
export async function elevenLabsChecks(client: ElevenLabsClient, config: Config, agentId: string | undefined): Promise<DoctorCheck[]> {
  const { checks, subscription } = await subscriptionChecks(client, config);
  if (!subscription) {
    const skipped = ['elevenlabs.greeting-voice', 'elevenlabs.default-voice', 'elevenlabs.agent', ...agentCheckIds(config.handoff.mode)];
    return [...checks, ...skipped.map((id) => check.skipped(id, 'Needs a working API key'))];
  }
  const [voices, agent] = await Promise.all([voiceChecks(client, config), agentChecks(client, config, agentId)]);
  return [...checks, ...voices, ...agent];
}
