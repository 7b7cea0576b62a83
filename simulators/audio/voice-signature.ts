import { createHash } from 'node:crypto';

/** The 3CX Call Control stream rate [CCX]: raw PCM s16le, mono, 8000 Hz. */
export const SIM_SAMPLE_RATE = 8000;

/**
 * What identifies a simulated voice: two tones and the level of the first relative to the second.
 * The level difference only separates voices that happen to share both tones.
 */
export interface VoiceSignature {
  tones: [number, number];
  levelDifferenceDb: number;
}

// Every tone is a multiple of 50 Hz, so over a 20 ms frame at 8 kHz (160 samples) each sits exactly
// on a DFT bin and the tones of different voices are orthogonal: a voice's energy does not leak into
// a neighbour's bins. The top stays below 3 kHz, inside even a fast resampler's passband at 8 kHz.
const GRID_STEP_HZ = 50;
const LOWEST_HZ = 350;
const HIGHEST_HZ = 3000;
const MIN_SPACING_HZ = 250;
const LEVEL_DIFFERENCES_DB = [-7.5, -5, -2.5, 0, 2.5, 5, 7.5];

function buildGrid(): VoiceSignature[] {
  const grid: VoiceSignature[] = [];
  for (let low = LOWEST_HZ; low <= HIGHEST_HZ; low += GRID_STEP_HZ) {
    for (let high = low + MIN_SPACING_HZ; high <= HIGHEST_HZ; high += GRID_STEP_HZ) {
      if (high % low === 0) continue; // harmonics of each other
      for (const levelDifferenceDb of LEVEL_DIFFERENCES_DB) grid.push({ tones: [low, high], levelDifferenceDb });
    }
  }
  return grid;
}

const GRID = buildGrid();

/** How many distinct signatures exist; two random ids share one with probability 1 / this. */
export const VOICE_SIGNATURE_COUNT = GRID.length;

/** The signature at `index` of the fixed grid (0 ≤ index < VOICE_SIGNATURE_COUNT). */
export function signatureAt(index: number): VoiceSignature {
  const s = GRID[index];
  if (!s) throw new RangeError(`signature index ${index} outside 0..${GRID.length - 1}`);
  return { tones: [s.tones[0], s.tones[1]], levelDifferenceDb: s.levelDifferenceDb };
}

/** The signature of `voiceId`: a stable hash of the id picks one from the fixed grid. */
export function voiceSignature(voiceId: string): VoiceSignature {
  const digest = createHash('sha256').update(voiceId, 'utf8').digest();
  return signatureAt(digest.readUIntBE(0, 6) % GRID.length);
}

/** The two tones (Hz, ascending) that identify `voiceId`. */
export function voiceTones(voiceId: string): [number, number] {
  return voiceSignature(voiceId).tones;
}

/** The voice id of a person answering at a 3CX extension or queue (`dn`), e.g. 'human:800'. */
export function humanVoiceId(dn: string): string {
  return `human:${dn}`;
}
