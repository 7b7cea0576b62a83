import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';
import { AudioDecodeError, decodeToPcm8k } from '../../../src/audio';
import { makeWav } from '../../../scripts/sine-wav';
import { peakOf, toneShare } from './tone-measure';

const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'audio', name));

/** A WAV of a 440 Hz sine (amplitude 0.5) in `bitDepth` at `rate`, with `channels` identical channels. */
function sineWav(seconds: number, rate: number, bitDepth: string, channels = 1): Buffer {
  const n = Math.round(seconds * rate);
  const float = Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate));
  const wav = new WaveFile();
  wav.fromScratch(channels, rate, '32f', Array.from({ length: channels }, () => float));
  if (bitDepth === '8m') wav.toMuLaw();
  else if (bitDepth === '8a') wav.toALaw();
  else if (bitDepth !== '32f') wav.toBitDepth(bitDepth);
  return Buffer.from(wav.toBuffer());
}

/** `extraMs`: an MP3 without a LAME/Xing header also carries the encoder's delay and padding. */
function expectSine(pcm: Buffer, seconds: number, extraMs = 2): void {
  expect(pcm.length).toBeGreaterThanOrEqual(seconds * 16_000 - 32);
  expect(pcm.length).toBeLessThanOrEqual((seconds * 1000 + extraMs) * 16);
  expect(toneShare(pcm, 440)).toBeGreaterThan(0.95);
}

describe('decodeToPcm8k: MP3', () => {
  test.each([
    ['sample-4s.mp3', 4, 2],
    ['sample-4s-noid3.mp3', 4, 200],
    ['sample-1s.mp3', 1, 2],
  ])('%s (MPEG-2.5 layer III) → 8 kHz s16le holding the 440 Hz tone', async (name, seconds, extraMs) => {
    const pcm = await decodeToPcm8k(fixture(name), name);
    expectSine(pcm, seconds, extraMs);
    expect(peakOf(pcm)).toBeGreaterThan(3000);
  });

  test('the hint is not needed when the bytes say MP3', async () => {
    expect((await decodeToPcm8k(fixture('sample-1s.mp3'))).length).toBe((await decodeToPcm8k(fixture('sample-1s.mp3'), 'audio/mpeg')).length);
  });
});

describe('decodeToPcm8k: WAV', () => {
  test('16-bit mono 8 kHz (scripts/sine-wav.ts) comes back sample for sample', async () => {
    const wav = makeWav(2);
    const pcm = await decodeToPcm8k(wav, 'sample.wav');
    expect(pcm.equals(wav.subarray(44))).toBe(true);
  });

  test.each([
    [16_000, '16', 1],
    [44_100, '16', 2],
    [48_000, '24', 2],
    [22_050, '32', 1],
    [24_000, '32f', 2],
    [16_000, '64', 1],
    [8000, '8', 1],
    [8000, '8m', 1],
    [8000, '8a', 1],
  ])('%i Hz, %s bits, %i channel(s) → 8 kHz mono with the tone intact', async (rate, bitDepth, channels) => {
    const pcm = await decodeToPcm8k(sineWav(1.5, rate, bitDepth, channels));
    expectSine(pcm, 1.5);
    // Amplitude 0.5 survives the conversion and the downmix of identical channels.
    expect(peakOf(pcm)).toBeGreaterThan(0.45 * 32768);
    expect(peakOf(pcm)).toBeLessThan(0.55 * 32768);
  });

  test('stereo is mixed down (left tone, right silent → half amplitude)', async () => {
    const n = 8000;
    const left = Array.from({ length: n }, (_, i) => 0.8 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    const wav = new WaveFile();
    wav.fromScratch(2, 8000, '32f', [left, new Array<number>(n).fill(0)]);
    const pcm = await decodeToPcm8k(Buffer.from(wav.toBuffer()));
    expect(pcm.length).toBe(16_000);
    expect(peakOf(pcm) / 32768).toBeCloseTo(0.4, 2);
  });

  test('WAVE_FORMAT_EXTENSIBLE 32-bit float (as ffmpeg writes it) is read as float, not integer', async () => {
    const plain = sineWav(1, 16_000, '32f');
    const data = plain.subarray(plain.indexOf('data', 0, 'latin1'));
    const fmt = Buffer.alloc(8 + 40);
    fmt.write('fmt ', 0, 'latin1');
    fmt.writeUInt32LE(40, 4);
    fmt.writeUInt16LE(0xfffe, 8); // WAVE_FORMAT_EXTENSIBLE
    fmt.writeUInt16LE(1, 10);
    fmt.writeUInt32LE(16_000, 12);
    fmt.writeUInt32LE(64_000, 16);
    fmt.writeUInt16LE(4, 20);
    fmt.writeUInt16LE(32, 22);
    fmt.writeUInt16LE(22, 24); // cbSize
    fmt.writeUInt16LE(32, 26); // valid bits
    fmt.writeUInt32LE(4, 28); // channel mask: front centre
    Buffer.from('0300000000001000800000aa00389b71', 'hex').copy(fmt, 32); // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
    const head = Buffer.from('RIFF\0\0\0\0WAVE', 'latin1');
    const file = Buffer.concat([head, fmt, data]);
    file.writeUInt32LE(file.length - 8, 4);
    const pcm = await decodeToPcm8k(file, 'ffmpeg.wav');
    expectSine(pcm, 1);
    expect(peakOf(pcm)).toBeLessThan(0.55 * 32768);
  });
});

describe('decodeToPcm8k: rejects what it cannot decode', () => {
  test.each([
    ['not-audio.mp3', /PNG image/],
    ['sample-4s.ogg', /Ogg/],
    ['sample-4s.flac', /FLAC/],
    ['sample-4s.m4a', /MP4/],
    ['sample-4s.webm', /WebM/],
  ])('%s → AudioDecodeError naming what it is', async (name, message) => {
    const err: unknown = await decodeToPcm8k(fixture(name), name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioDecodeError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/expected WAV or MP3/);
  });

  test('empty, random bytes (even named .mp3), truncated and non-PCM WAVs', async () => {
    await expect(decodeToPcm8k(Buffer.alloc(0))).rejects.toThrow(/Empty/);
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i += 1) junk[i] = (i * 7919 + (i >> 3) * 31) & 0x7f;
    await expect(decodeToPcm8k(junk, 'voice.mp3')).rejects.toBeInstanceOf(AudioDecodeError);
    await expect(decodeToPcm8k(junk, 'voice.wav')).rejects.toThrow(/unrecognised data/);
    await expect(decodeToPcm8k(makeWav(1).subarray(0, 30))).rejects.toBeInstanceOf(AudioDecodeError);
    const noSamples = makeWav(0);
    await expect(decodeToPcm8k(noSamples)).rejects.toThrow(/no samples/);
    const gsm = Buffer.from(makeWav(1));
    gsm.writeUInt16LE(0x0031, 20);
    await expect(decodeToPcm8k(gsm)).rejects.toThrow(/encoding 0x0031 is not supported/);
    const float16 = sineWav(0.1, 8000, '32f');
    float16.writeUInt16LE(2, 32); // block align 2: 16-bit float
    await expect(decodeToPcm8k(float16)).rejects.toThrow(/float with 16-bit samples is not supported/);
  });
});
