import { createResampler, parseAudioFormat, pcm16ToUlaw, ulawToPcm16, type AudioFormat, type StreamResampler } from '../audio';
import type { AgentSettings } from '../integrations/elevenlabs/agent-settings';
import { checksFor, type DoctorCheck } from './types';

const check = checksFor('elevenlabs');

const FORMAT_FIX =
  'Set both of the agent\'s audio formats to pcm_8000 (the 3CX stream format): PATCH /v1/convai/agents/{agent_id} {"conversation_config":{"asr":{"user_input_audio_format":"pcm_8000"},"tts":{"agent_output_audio_format":"pcm_8000"}}}, or in the agent\'s voice and advanced settings in the ElevenLabs dashboard.';

/** Bridge mode: the agent's audio formats against the 8 kHz s16le of the 3CX streams (src/gateway/agent-bridge.ts converts). */
export async function audioFormatCheck(agent: AgentSettings): Promise<DoctorCheck> {
  const input = parseAudioFormat(agent.userInputAudioFormat);
  const output = parseAudioFormat(agent.agentOutputAudioFormat);
  const formats = `input ${agent.userInputAudioFormat}, output ${agent.agentOutputAudioFormat}`;
  if (!input || !output) {
    const bad = [!input && `user input ${agent.userInputAudioFormat}`, !output && `agent output ${agent.agentOutputAudioFormat}`].filter(Boolean).join(' and ');
    return check.fail('elevenlabs.audio-formats', `The agent's ${bad} cannot be bridged to a 3CX stream (only pcm_* and ulaw_8000 can)`, FORMAT_FIX);
  }
  if (isTelephonePcm(input) && isTelephonePcm(output)) return check.ok('elevenlabs.audio-formats', `Agent audio is pcm_8000 both ways (${formats}): bridged without conversion`);
  const cpuMs = await conversionCpuMsPerCallSecond(input, output);
  return check.warn(
    'elevenlabs.audio-formats',
    `Agent audio is ${formats}: every bridged call converts it to and from 8 kHz, measured here at ${cpuMs.toFixed(2)} ms of CPU per call-second (${(cpuMs / 10).toFixed(2)}% of one core per bridged call); pcm_8000 both ways needs none`,
    FORMAT_FIX,
  );
}

function isTelephonePcm(format: AudioFormat): boolean {
  return format.encoding === 'pcm' && format.sampleRate === 8000;
}

const FRAME_MS = 20;
const WARM_UP_MS = 200;
const MEASURE_MS = 2000;

/** What the bridge does per call-second, timed with the same converters (agent-bridge.ts): agent → caller and caller → agent. */
async function conversionCpuMsPerCallSecond(input: AudioFormat, output: AudioFormat): Promise<number> {
  const toCaller = await converter(output, 'to-8k');
  const toAgent = await converter(input, 'from-8k');
  try {
    const run = (ms: number) => {
      for (let at = 0; at < ms; at += FRAME_MS) {
        toCaller.push(agentFrame(output, at));
        toAgent.push(noisePcm((8000 * FRAME_MS) / 1000, at));
      }
    };
    run(WARM_UP_MS);
    const before = process.cpuUsage();
    run(MEASURE_MS);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / (MEASURE_MS / 1000);
  } finally {
    toCaller.close();
    toAgent.close();
  }
}

type Converter = Pick<StreamResampler, 'push' | 'close'>;

async function converter(format: AudioFormat, direction: 'to-8k' | 'from-8k'): Promise<Converter> {
  if (format.encoding === 'ulaw') return { push: direction === 'to-8k' ? ulawToPcm16 : pcm16ToUlaw, close: () => undefined };
  return direction === 'to-8k' ? createResampler(format.sampleRate, 8000) : createResampler(8000, format.sampleRate);
}

function agentFrame(format: AudioFormat, at: number): Buffer {
  const samples = (format.sampleRate * FRAME_MS) / 1000;
  return format.encoding === 'ulaw' ? pcm16ToUlaw(noisePcm(samples, at)) : noisePcm(samples, at);
}

/** Deterministic speech-level noise (s16le): the converters' cost does not depend on the content. */
function noisePcm(samples: number, seed: number): Buffer {
  const out = Buffer.alloc(Math.floor(samples) * 2);
  let state = (seed * 2_654_435_761) >>> 0 || 1;
  for (let i = 0; i < out.length; i += 2) {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    out.writeInt16LE(((state >>> 16) - 32_768) >> 2, i);
  }
  return out;
}
