import { readPcm16 } from '../../src/audio/pcm';
import { SIM_SAMPLE_RATE, voiceSignature, type VoiceSignature } from './voice-signature';

export type FrameLabel = 'silence' | 'audio' | { voice: string };

export interface SignatureCandidate {
  id: string;
  signature: VoiceSignature;
}

export const DEFAULT_FRAME_MS = 20;
// -50 dBFS RMS.
const SILENCE_RMS = 32768 * 10 ** (-50 / 20);
// A voice's two tones must hold this share of the frame's energy ("little energy elsewhere")…
const MIN_CONCENTRATION = 0.8;
// …each tone this much (the weaker tone of the most lopsided voice holds about 15%)…
const MIN_TONE_SHARE = 0.06;
// …and their level difference must be the voice's within half a grid step (measured error < 0.6 dB
// through μ-law and every libsamplerate converter).
const LEVEL_TOLERANCE_DB = 1.25;

/**
 * Labels 8 kHz s16le audio in frames of `frameMs` counted from the start of the buffer (a trailing
 * partial frame is dropped): 'silence' below -50 dBFS RMS, `{ voice: id }` when the two tones of
 * one of `candidates` carry the frame's energy, else 'audio' (music, several voices at once, …).
 */
export function classifyFrames(pcm: Buffer, candidates: string[], frameMs: number = DEFAULT_FRAME_MS): FrameLabel[] {
  return classifyFramesAgainst(pcm, candidates.map((id) => ({ id, signature: voiceSignature(id) })), frameMs);
}

/** classifyFrames with the signatures given directly (e.g. every signature of the grid). */
export function classifyFramesAgainst(pcm: Buffer, candidates: SignatureCandidate[], frameMs: number = DEFAULT_FRAME_MS): FrameLabel[] {
  // Grid tones are multiples of 50 Hz: only frames of whole multiples of 20 ms keep them on exact bins.
  if (!Number.isInteger(frameMs / DEFAULT_FRAME_MS) || frameMs <= 0) {
    throw new RangeError(`frameMs must be a positive multiple of ${DEFAULT_FRAME_MS}, got ${frameMs}`);
  }
  const samples = readPcm16(pcm);
  const size = (frameMs * SIM_SAMPLE_RATE) / 1000;
  const frequencies = [...new Set(candidates.flatMap((c) => c.signature.tones))];
  const coefficients = frequencies.map((f) => 2 * Math.cos((2 * Math.PI * f) / SIM_SAMPLE_RATE));
  const slot = new Map(frequencies.map((f, i) => [f, i]));
  const tonePairs = candidates.map((c) => [slot.get(c.signature.tones[0])!, slot.get(c.signature.tones[1])!] as const);
  // Computed on demand: most candidates fail on their first tone, so most bins are never needed.
  const energies = new Float64Array(frequencies.length);
  const silenceEnergy = SILENCE_RMS * SILENCE_RMS * size;
  const labels: FrameLabel[] = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    let sum = 0;
    let squares = 0;
    for (let n = start; n < start + size; n += 1) {
      const x = samples[n]!;
      sum += x;
      squares += x * x;
    }
    const total = squares - (sum * sum) / size;
    if (total < silenceEnergy) {
      labels.push('silence');
      continue;
    }
    energies.fill(NaN);
    let best = -1;
    let bestError = Infinity;
    for (let c = 0; c < candidates.length; c += 1) {
      const [i, j] = tonePairs[c]!;
      if (Number.isNaN(energies[i])) energies[i] = goertzelEnergy(samples, start, size, coefficients[i]!);
      const e1 = energies[i]!;
      if (e1 < MIN_TONE_SHARE * total) continue;
      if (Number.isNaN(energies[j])) energies[j] = goertzelEnergy(samples, start, size, coefficients[j]!);
      const error = levelError(e1, energies[j]!, total, candidates[c]!.signature.levelDifferenceDb);
      if (error < bestError) {
        best = c;
        bestError = error;
      }
    }
    labels.push(best < 0 ? 'audio' : { voice: candidates[best]!.id });
  }
  return labels;
}

/** How far the tones' level difference is from `expectedDb`, or Infinity when they do not make a voice. */
function levelError(e1: number, e2: number, total: number, expectedDb: number): number {
  if (e1 < MIN_TONE_SHARE * total || e2 < MIN_TONE_SHARE * total || e1 + e2 < MIN_CONCENTRATION * total) return Infinity;
  const error = Math.abs(10 * Math.log10(e1 / e2) - expectedDb);
  return error <= LEVEL_TOLERANCE_DB ? error : Infinity;
}

/** Energy of the sinusoid at the Goertzel bin (2|X|²/N: a sine of amplitude A gives A²N/2). */
function goertzelEnergy(samples: Int16Array, start: number, size: number, coefficient: number): number {
  let s1 = 0;
  let s2 = 0;
  for (let n = start; n < start + size; n += 1) {
    const s0 = samples[n]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2)) / size;
}
