import { PCM_8K } from './pcm';

// North American ringback pair (440 + 480 Hz) on the usual 2 s / 6 s cadence, but the "off" part
// only drops 12 dB instead of going silent: the caller must never hear dead air.
const TONES_HZ = [440, 480];
const CADENCE_SAMPLES = 6 * PCM_8K.sampleRate;
const LOUD_SAMPLES = 2 * PCM_8K.sampleRate;
const RAMP_SAMPLES = 0.15 * PCM_8K.sampleRate;
// Each tone's amplitude at the loud part (together about -12 dBFS peak) and at the soft part.
const LOUD = 0.12 * 32767;
const SOFT = LOUD / 4;

/**
 * `ms` of ringback as s16le mono 8 kHz, starting `startMs` into the pattern: consecutive calls
 * (startMs advancing by ms) join without a seam, and the pattern repeats every 6 s.
 */
export function ringbackTone(ms: number, startMs = 0): Buffer {
  const perMs = PCM_8K.sampleRate / 1000;
  const count = Math.max(0, Math.round(ms * perMs));
  const first = Math.round(startMs * perMs);
  const out = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i += 1) {
    const n = first + i;
    const level = cadenceLevel(((n % CADENCE_SAMPLES) + CADENCE_SAMPLES) % CADENCE_SAMPLES);
    let v = 0;
    for (const f of TONES_HZ) v += Math.sin((2 * Math.PI * f * (n % PCM_8K.sampleRate)) / PCM_8K.sampleRate);
    out.writeInt16LE(Math.round(level * v), i * 2);
  }
  return out;
}

/** Amplitude at position `p` of the cadence: loud for 2 s, soft for 4 s, raised-cosine ramps between. */
function cadenceLevel(p: number): number {
  const up = p < RAMP_SAMPLES ? p / RAMP_SAMPLES : p < LOUD_SAMPLES ? 1 : p < LOUD_SAMPLES + RAMP_SAMPLES ? 1 - (p - LOUD_SAMPLES) / RAMP_SAMPLES : 0;
  return SOFT + (LOUD - SOFT) * (1 - Math.cos(Math.PI * up)) * 0.5;
}
