import { readPcm16 } from '../../../src/audio/pcm';

/** Share of the energy of s16le `pcm` (sample rate `rate`) that sits in a sinusoid at `hz`. */
export function toneShare(pcm: Buffer, hz: number, rate = 8000): number {
  const x = readPcm16(pcm);
  const c = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let total = 0;
  for (const v of x) {
    const s0 = v + c * s1 - s2;
    s2 = s1;
    s1 = s0;
    total += v * v;
  }
  return total === 0 ? 0 : (2 * (s1 * s1 + s2 * s2 - c * s1 * s2)) / x.length / total;
}

export function peakOf(pcm: Buffer): number {
  let peak = 0;
  for (const v of readPcm16(pcm)) peak = Math.max(peak, Math.abs(v));
  return peak;
}
