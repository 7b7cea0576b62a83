import { createFloatResampler, createResampler, pcm16ToFloat, type StreamResampler } from '../../../src/audio';
import { toneShare } from './tone-measure';

function sine(hz: number, rate: number, seconds: number, amplitude = 0.5): Buffer {
  const n = Math.round(rate * seconds);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i += 1) out.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  return out;
}

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/** Pushes `input` in random chunks of 1..maxChunk bytes (odd sizes included), then flushes. */
function runChunked(resampler: StreamResampler, input: Buffer, seed: number, maxChunk: number): Buffer {
  const random = lcg(seed);
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    out.push(resampler.push(input.subarray(at, at + size)));
    at += size;
  }
  out.push(resampler.flush());
  return Buffer.concat(out);
}

/** Largest jump between neighbouring samples. */
function maxStep(pcm: Buffer): number {
  let max = 0;
  for (let i = 2; i + 1 < pcm.length; i += 2) max = Math.max(max, Math.abs(pcm.readInt16LE(i) - pcm.readInt16LE(i - 2)));
  return max;
}

describe('createResampler', () => {
  test('the same rate passes bytes through unchanged, odd chunks included', async () => {
    const resampler = await createResampler(8000, 8000);
    const input = sine(440, 8000, 0.5);
    expect(runChunked(resampler, input, 1, 37).equals(input)).toBe(true);
    resampler.close();
  });

  test.each([
    [16_000, 8000],
    [24_000, 8000],
    [22_050, 8000],
    [44_100, 8000],
    [8000, 16_000],
  ])('%i → %i Hz in random chunks: length is input × ratio, the tone survives, no clicks at chunk boundaries', async (from, to) => {
    const input = sine(1000, from, 2);
    const whole = await createResampler(from, to);
    const reference = Buffer.concat([whole.push(input), whole.flush()]);
    whole.close();
    const expectedSamples = Math.round((input.length / 2) * (to / from));
    expect(reference.length).toBe(expectedSamples * 2);

    for (const [seed, maxChunk] of [
      [2, 64],
      [3, 3001],
    ] as const) {
      const chunked = await createResampler(from, to);
      const output = runChunked(chunked, input, seed, maxChunk);
      chunked.close();
      expect(output.length).toBe(expectedSamples * 2);
      // Chunking changes nothing audible: within a couple of LSB of the one-shot result.
      let worst = 0;
      for (let i = 0; i < output.length; i += 2) worst = Math.max(worst, Math.abs(output.readInt16LE(i) - reference.readInt16LE(i)));
      expect(worst).toBeLessThanOrEqual(2);
      // A 1 kHz sine of amplitude A moves at most 2πf/rate × A per sample; a click would jump far more.
      expect(maxStep(output)).toBeLessThanOrEqual(((2 * Math.PI * 1000) / to) * 0.5 * 32767 * 1.05);
      expect(toneShare(output.subarray(to / 5, output.length - to / 5), 1000, to)).toBeGreaterThan(0.99);
    }
  });

  test('a tone above the new Nyquist frequency is filtered out, not aliased', async () => {
    const resampler = await createResampler(16_000, 8000);
    const out = Buffer.concat([resampler.push(sine(5000, 16_000, 1)), resampler.flush()]);
    resampler.close();
    // The middle, away from the clicks where the tone starts and stops.
    const middle = pcm16ToFloat(out.subarray(1600, out.length - 1600));
    let energy = 0;
    for (const v of middle) energy += v * v;
    // Input RMS is 0.35; what leaks through must be tiny (< -60 dB).
    expect(Math.sqrt(energy / middle.length)).toBeLessThan(0.35 * 1e-3);
  });

  test('after flush() or close() it refuses more input; bad rates are refused', async () => {
    const flushed = await createResampler(16_000, 8000);
    flushed.push(sine(440, 16_000, 0.1));
    flushed.flush();
    expect(() => flushed.push(Buffer.alloc(2))).toThrow(/flushed/);
    flushed.close();
    const closed = await createResampler(16_000, 8000);
    closed.close();
    expect(() => closed.push(Buffer.alloc(2))).toThrow(/closed/);
    await expect(createResampler(0, 8000)).rejects.toThrow(RangeError);
    await expect(createResampler(8000, 8000.5)).rejects.toThrow(RangeError);
  });

  test('an empty stream flushes to nothing', async () => {
    const resampler = await createResampler(24_000, 8000);
    expect(resampler.push(Buffer.alloc(0)).length).toBe(0);
    expect(resampler.flush().length).toBe(0);
    resampler.close();
  });
});

describe('createFloatResampler', () => {
  test('works on float samples and keeps the level', async () => {
    const resampler = await createFloatResampler(48_000, 8000, 'best');
    const input = new Float32Array(48_000);
    for (let i = 0; i < input.length; i += 1) input[i] = 0.8 * Math.sin((2 * Math.PI * 300 * i) / 48_000);
    const head = resampler.push(input);
    const tail = resampler.flush();
    resampler.close();
    expect(head.length + tail.length).toBe(8000);
    let peak = 0;
    for (const v of head) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeCloseTo(0.8, 2);
  });
});
