import { classifyFrames, longestSilenceMs, toSegments, VOICE_SIGNATURE_COUNT, classifyFramesAgainst, signatureAt } from '../../../simulators/audio';
import { ringbackTone } from '../../../src/audio';
import { peakOf, toneShare } from './tone-measure';

const rmsDbfs = (pcm: Buffer) => {
  let sum = 0;
  for (let i = 0; i < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
  return 20 * Math.log10(Math.sqrt(sum / (pcm.length / 2)) / 32768);
};

describe('ringbackTone', () => {
  test('is 440 + 480 Hz, soft, and never silent', () => {
    const tone = ringbackTone(12_000);
    expect(tone.length).toBe(12_000 * 16);
    const steady = tone.subarray(500 * 16, 1500 * 16);
    expect(toneShare(steady, 440) + toneShare(steady, 480)).toBeGreaterThan(0.98);
    expect(peakOf(tone)).toBeLessThan(32768 * 10 ** (-10 / 20));
    const labels = classifyFrames(tone, ['any-voice']);
    expect(labels).not.toContain('silence');
    expect(longestSilenceMs(toSegments(labels))).toBe(0);
    for (let ms = 0; ms < 12_000; ms += 20) expect(rmsDbfs(tone.subarray(ms * 16, (ms + 20) * 16))).toBeGreaterThan(-35);
  });

  test('keeps the 2 s loud / 4 s soft cadence, 12 dB apart', () => {
    const tone = ringbackTone(6000);
    const loud = rmsDbfs(tone.subarray(500 * 16, 1500 * 16));
    const soft = rmsDbfs(tone.subarray(3000 * 16, 5000 * 16));
    expect(loud - soft).toBeCloseTo(12, 0);
  });

  test('consecutive pieces join seamlessly and the pattern repeats every 6 s', () => {
    const whole = ringbackTone(7000);
    const pieces = Buffer.concat([ringbackTone(1234), ringbackTone(5000 - 1234, 1234), ringbackTone(2000, 5000)]);
    expect(pieces.equals(whole)).toBe(true);
    expect(ringbackTone(1000, 6000).equals(ringbackTone(1000))).toBe(true);
  });

  test('is never heard as a simulated voice', () => {
    const all = Array.from({ length: VOICE_SIGNATURE_COUNT }, (_, i) => ({ id: `s${i}`, signature: signatureAt(i) }));
    expect(new Set(classifyFramesAgainst(ringbackTone(6000), all))).toEqual(new Set(['audio']));
  });
});
