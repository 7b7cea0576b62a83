import { randomBytes } from 'node:crypto';
import { voiceSignature } from '../../simulators/audio';
import { RACHEL_VOICE_ID, startElevenLabsSandbox, type ElevenLabsSandbox } from '../../simulators/elevenlabs';
import { elevenLabsTrunk } from '../../simulators/telephony';
import { startThreeCxSimulator, type ThreeCxSimulator } from '../../simulators/threecx';
import type { BenchOptions } from './options';
import type { Teardown } from './teardown';

export const BENCH_AGENT = 'agent_bench';
/** The 3CX outbound-rule prefix that reaches the ElevenLabs SIP trunk, and the agent's numbers there. */
export const SIP_PREFIX = '999';
export const SIP_NUMBERS = Array.from({ length: 10 }, (_, i) => `+49301234500${String(i).padStart(2, '0')}`);
/** The greeting is the service default voice (Rachel). */
export const GREETING_VOICE = RACHEL_VOICE_ID;

/** DEFAULT_VOICE_ID for the bench: a premade voice whose tone signature differs from the greeting's, so the ear tells them apart. */
export const DEFAULT_VOICE = (() => {
  const greeting = JSON.stringify(voiceSignature(GREETING_VOICE));
  for (let n = 0; ; n++) {
    const id = `benchdefaultvoice${String(n).padStart(3, '0')}`;
    if (JSON.stringify(voiceSignature(id)) !== greeting) return id;
  }
})();

export interface Simulators {
  sandbox: ElevenLabsSandbox;
  pbx: ThreeCxSimulator;
  webhookSecret: string;
  initWebhookSecret: string;
}

/** The ElevenLabs sandbox and the 3CX simulator, linked by the simulated SIP trunk, as the tests and `npm start` link them. */
export async function startSimulators(options: BenchOptions, cachedVoices: Iterable<string>, teardown: Teardown): Promise<Simulators> {
  const webhookSecret = `whsec_bench_${randomBytes(12).toString('hex')}`;
  const initWebhookSecret = randomBytes(16).toString('hex');
  const sandbox = await startElevenLabsSandbox({
    host: '127.0.0.1',
    port: 0,
    webhookSecret,
    cloneLatencyMs: options.cloneLatencyMs,
    apiLatencyMs: options.apiLatencyMs,
    ttsLatencyMs: options.ttsLatencyMs,
    agentFirstAudioLatencyMs: options.agentLatencyMs,
    callDurationMs: options.conversationMs,
    analysisDurationMs: 500,
    voiceLimit: 100_000,
    premadeVoices: [DEFAULT_VOICE, ...cachedVoices].map((voiceId) => ({ voiceId, name: voiceId })),
    agents: { [BENCH_AGENT]: { agentOutputAudioFormat: options.agentFormat, userInputAudioFormat: options.agentFormat } },
    sipNumbers: Object.fromEntries(SIP_NUMBERS.map((n) => [n, BENCH_AGENT])),
  });
  teardown.add('close ElevenLabs sandbox', () => sandbox.close());
  const pbx = await startThreeCxSimulator({ host: '127.0.0.1', port: 0, externalLine: elevenLabsTrunk(sandbox, SIP_PREFIX) });
  teardown.add('close 3CX simulator', () => pbx.close());
  return { sandbox, pbx, webhookSecret, initWebhookSecret };
}
