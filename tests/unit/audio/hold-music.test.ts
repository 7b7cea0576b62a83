import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';
import { classifyFramesAgainst, signatureAt, VOICE_SIGNATURE_COUNT } from '../../../simulators/audio';
import { decodeToPcm8k, readPcm16 } from '../../../src/audio';
import { HOLD_MUSIC_SECONDS, renderHoldMusic } from '../../../scripts/make-hold-music';
import { peakOf } from './tone-measure';

const PATH = join(__dirname, '..', '..', '..', 'assets', 'hold-music.wav');

describe('assets/hold-music.wav', () => {
  const bytes = readFileSync(PATH);

  test('is a small 8 kHz mono 16-bit PCM WAV of 20 s', () => {
    expect(statSync(PATH).size).toBeLessThanOrEqual(400 * 1024);
    const wav = new WaveFile(bytes);
    expect(wav.fmt).toMatchObject({ audioFormat: 1, numChannels: 1, sampleRate: 8000, bitsPerSample: 16 });
    expect((wav.data as { chunkSize: number }).chunkSize).toBe(HOLD_MUSIC_SECONDS * 16_000);
  });

  test('is what scripts/make-hold-music.ts renders', () => {
    const committed = readPcm16(bytes.subarray(44));
    const rendered = renderHoldMusic();
    expect(rendered.length).toBe(committed.length);
    let worst = 0;
    for (let i = 0; i < rendered.length; i += 1) worst = Math.max(worst, Math.abs(rendered[i]! - committed[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('peaks at -6 dBFS and, looped, is never quiet for 20 ms, across the seam included', async () => {
    const pcm = await decodeToPcm8k(bytes, 'hold-music.wav');
    expect(pcm.length).toBe(HOLD_MUSIC_SECONDS * 16_000);
    expect(20 * Math.log10(peakOf(pcm) / 32768)).toBeCloseTo(-6, 0);
    const looped = readPcm16(Buffer.concat([pcm, pcm]));
    let quietest = Infinity;
    for (let start = 0; start + 160 <= looped.length; start += 40) {
      let sum = 0;
      for (let i = start; i < start + 160; i += 1) sum += looped[i]! ** 2;
      quietest = Math.min(quietest, Math.sqrt(sum / 160));
    }
    expect(20 * Math.log10(quietest / 32768)).toBeGreaterThan(-35);
    // The seam is as smooth as the rest: no jump larger than the largest one inside the loop.
    let largestInside = 0;
    for (let i = 1; i < pcm.length / 2; i += 1) largestInside = Math.max(largestInside, Math.abs(looped[i]! - looped[i - 1]!));
    expect(Math.abs(looped[0]! - looped[pcm.length / 2 - 1]!)).toBeLessThanOrEqual(largestInside);
  });

  test('is heard as "audio" in every frame — never silence, never any simulated voice — at any frame alignment', async () => {
    const pcm = await decodeToPcm8k(bytes);
    const all = Array.from({ length: VOICE_SIGNATURE_COUNT }, (_, i) => ({ id: `s${i}`, signature: signatureAt(i) }));
    // Looped and starting 3 samples into a frame, so the seam and an unaligned frame grid are covered.
    const looped = Buffer.concat([pcm, pcm]).subarray(10 * 16_000 + 6, 30 * 16_000 + 6);
    expect(new Set(classifyFramesAgainst(looped, all))).toEqual(new Set(['audio']));
  });
});
