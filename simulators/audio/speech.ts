import { createHash } from 'node:crypto';
import { SIM_SAMPLE_RATE, voiceSignature } from './voice-signature';

const MS_PER_CHARACTER = 60;
const MIN_MS = 400;
const MAX_MS = 8000;
// Peak of the two tones together: -6 dBFS.
const PEAK = 0.5 * 32767;
const EDGE_FADE_MS = 5;
const SYLLABLE_MS = { min: 150, max: 250 };
// Envelope between syllables stays at 20-45% of the peak (about -19 to -13 dBFS), far above the
// classifier's silence threshold, so a sentence never contains a silence gap.
const DIP = { min: 0.2, max: 0.45 };
const CREST = { min: 0.8, max: 1 };

/** Length in ms of `synthesizeSpeech(…, text)`: 60 ms per character, at least 400 ms, at most 8 s. */
export function speechDurationMs(text: string): number {
  return Math.min(MAX_MS, Math.max(MIN_MS, [...text].length * MS_PER_CHARACTER));
}

/**
 * "Speech" by a simulated voice: its two tones under a syllable-like envelope (150-250 ms
 * syllables with dips between them, never silent inside), s16le mono at `sampleRate`.
 * The same voice, text and rate always give the same bytes.
 */
export function synthesizeSpeech(voiceId: string, text: string, sampleRate: number = SIM_SAMPLE_RATE): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate < SIM_SAMPLE_RATE) {
    throw new RangeError(`sampleRate must be an integer ≥ ${SIM_SAMPLE_RATE}, got ${sampleRate}`);
  }
  const { tones, levelDifferenceDb } = voiceSignature(voiceId);
  const ratio = 10 ** (levelDifferenceDb / 20);
  const gain1 = (PEAK * ratio) / (1 + ratio);
  const gain2 = PEAK / (1 + ratio);
  const sampleCount = Math.round((speechDurationMs(text) * sampleRate) / 1000);
  const envelope = syllableEnvelope(sampleCount, sampleRate, seededRandom(`${voiceId}\u0000${text}`));
  const w1 = (2 * Math.PI * tones[0]) / sampleRate;
  const w2 = (2 * Math.PI * tones[1]) / sampleRate;
  const out = Buffer.alloc(sampleCount * 2);
  for (let n = 0; n < sampleCount; n += 1) {
    const v = envelope[n]! * (gain1 * Math.sin(w1 * n) + gain2 * Math.sin(w2 * n));
    out.writeInt16LE(Math.round(v), n * 2);
  }
  return out;
}

/** Smooth curve through a dip at each syllable boundary and a crest inside each syllable. */
function syllableEnvelope(sampleCount: number, sampleRate: number, random: () => number): Float64Array {
  const points: Array<{ at: number; level: number }> = [{ at: 0, level: pick(DIP, random) }];
  const perMs = sampleRate / 1000;
  let start = 0;
  while (start < sampleCount) {
    let end = start + Math.round(pick(SYLLABLE_MS, random) * perMs);
    // A short remainder joins the last syllable rather than making a blip.
    if (sampleCount - end < SYLLABLE_MS.min * perMs) end = sampleCount;
    points.push({ at: Math.round((start + end) / 2), level: pick(CREST, random) });
    points.push({ at: end, level: pick(DIP, random) });
    start = end;
  }
  const envelope = new Float64Array(sampleCount);
  let p = 0;
  for (let n = 0; n < sampleCount; n += 1) {
    while (points[p + 1]!.at < n) p += 1;
    const a = points[p]!;
    const b = points[p + 1]!;
    const t = b.at === a.at ? 0 : (n - a.at) / (b.at - a.at);
    envelope[n] = a.level + (b.level - a.level) * (1 - Math.cos(Math.PI * t)) * 0.5;
  }
  const fade = Math.min(Math.round(EDGE_FADE_MS * perMs), sampleCount >> 1);
  for (let n = 0; n < fade; n += 1) {
    const g = (n + 1) / (fade + 1);
    envelope[n]! *= g;
    envelope[sampleCount - 1 - n]! *= g;
  }
  return envelope;
}

function pick(range: { min: number; max: number }, random: () => number): number {
  return range.min + (range.max - range.min) * random();
}

/** mulberry32 seeded from a hash of `seed`. */
function seededRandom(seed: string): () => number {
  let state = createHash('sha256').update(seed, 'utf8').digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
