import {
  DEFAULT_VOICE_SAMPLE_LIMITS,
  detectVoiceSampleFormat,
  validateVoiceSample,
  voiceSampleLimits,
  type VoiceSampleFormat,
} from '../../../src/integrations/storage/audio-validation';
import { VoiceSampleRejectedError, type VoiceSampleRejectionReason } from '../../../src/integrations/storage/errors';
import { makeWav } from '../../../scripts/sine-wav';
import { readFixture } from '../../support/storage';

const limits = { maxSizeBytes: 10 * 1024 * 1024, minDurationSeconds: 3 };

async function rejection(bytes: Buffer, l = limits): Promise<VoiceSampleRejectedError> {
  try {
    await validateVoiceSample(bytes, l);
  } catch (err) {
    if (err instanceof VoiceSampleRejectedError) return err;
    throw err;
  }
  throw new Error('expected the sample to be rejected');
}

async function expectReason(bytes: Buffer, reason: VoiceSampleRejectionReason, l = limits): Promise<VoiceSampleRejectedError> {
  const err = await rejection(bytes, l);
  expect(err.reason).toBe(reason);
  expect(err.retryable).toBe(false);
  expect(err.name).toBe('VoiceSampleRejectedError');
  return err;
}

describe('validateVoiceSample: accepted formats', () => {
  const cases: Array<[string, () => Promise<Buffer>, VoiceSampleFormat, string]> = [
    ['generated WAV', () => Promise.resolve(makeWav(4)), 'wav', 'audio/wav'],
    ['MP3 with ID3v2 tag', () => readFixture('sample-4s.mp3'), 'mp3', 'audio/mpeg'],
    ['MP3 starting with a frame sync', () => readFixture('sample-4s-noid3.mp3'), 'mp3', 'audio/mpeg'],
    ['Ogg Vorbis', () => readFixture('sample-4s.ogg'), 'ogg', 'audio/ogg'],
    ['WebM Opus', () => readFixture('sample-4s.webm'), 'webm', 'audio/webm'],
    ['M4A AAC', () => readFixture('sample-4s.m4a'), 'm4a', 'audio/mp4'],
    ['FLAC', () => readFixture('sample-4s.flac'), 'flac', 'audio/flac'],
  ];

  it.each(cases)('%s', async (_label, load, format, mimeType) => {
    const bytes = await load();
    const result = await validateVoiceSample(bytes, limits);
    expect(result.format).toBe(format);
    expect(result.mimeType).toBe(mimeType);
    expect(result.sizeBytes).toBe(bytes.length);
    expect(Math.abs(result.durationSeconds - 4)).toBeLessThanOrEqual(0.5);
  });

  it('uses the defaults VOICE_CLONE_MAX_SIZE_MB=10 / VOICE_CLONE_MIN_DURATION=3', () => {
    expect(DEFAULT_VOICE_SAMPLE_LIMITS).toEqual({ maxSizeBytes: 10 * 1024 * 1024, minDurationSeconds: 3 });
    expect(voiceSampleLimits({})).toEqual(DEFAULT_VOICE_SAMPLE_LIMITS);
    expect(voiceSampleLimits({ maxSizeMb: 2, minDurationSeconds: 5 })).toEqual({ maxSizeBytes: 2 * 1024 * 1024, minDurationSeconds: 5 });
  });

  it('measures a streamed WAV whose data size was left as 0xFFFFFFFF from its bytes', async () => {
    const wav = makeWav(4);
    wav.writeUInt32LE(0xffffffff, 4);
    wav.writeUInt32LE(0xffffffff, 40);
    const result = await validateVoiceSample(wav, limits);
    expect(result.format).toBe('wav');
    expect(result.durationSeconds).toBeCloseTo(4, 1);
  });
});

describe('validateVoiceSample: rejections', () => {
  it('rejects an empty buffer', async () => {
    const err = await expectReason(Buffer.alloc(0), 'empty');
    expect(err.message).toMatch(/empty/);
  });

  it('rejects a sample over maxSizeBytes, naming the limit and the size', async () => {
    const wav = makeWav(4);
    const err = await expectReason(wav, 'too_large', { maxSizeBytes: 10_000, minDurationSeconds: 3 });
    expect(err.limit).toBe(10_000);
    expect(err.measured).toBe(wav.length);
    expect(err.message).toContain(`${wav.length} bytes`);
    expect(err.message).toContain('10000 bytes');
  });

  it('rejects a 1 s MP3 as too short, naming the minimum and the duration', async () => {
    const err = await expectReason(await readFixture('sample-1s.mp3'), 'too_short');
    expect(err.limit).toBe(3);
    expect(err.measured).toBeGreaterThan(0.5);
    expect(err.measured).toBeLessThan(1.5);
    expect(err.message).toMatch(/too short: 1\.\d+ s is below the minimum of 3 s/);
  });

  it('rejects a 1 s WAV as too short', async () => {
    await expectReason(makeWav(1), 'too_short');
  });

  it('honours a custom minimum duration', async () => {
    await expectReason(makeWav(4), 'too_short', { maxSizeBytes: limits.maxSizeBytes, minDurationSeconds: 5 });
    await expect(validateVoiceSample(await readFixture('sample-1s.mp3'), { ...limits, minDurationSeconds: 1 })).resolves.toMatchObject({
      format: 'mp3',
    });
  });

  it('detects by bytes: a PNG named .mp3 is unsupported', async () => {
    const err = await expectReason(await readFixture('not-audio.mp3'), 'unsupported_format');
    expect(err.message).toContain('PNG image');
    expect(err.message).toContain('mp3, wav, ogg, webm, m4a, flac');
  });

  it('rejects plain text', async () => {
    const err = await expectReason(Buffer.from('this is not a voice sample, just text\n'.repeat(20)), 'unsupported_format');
    expect(err.message).toContain('text');
  });

  it('rejects a RIFF file that is not WAVE (e.g. WebP)', async () => {
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), Buffer.alloc(64)]);
    const err = await expectReason(webp, 'unsupported_format');
    expect(err.message).toContain("RIFF 'WEBP'");
  });

  it('rejects Matroska that is not WebM', async () => {
    const docType = Buffer.from('matroska');
    const header = Buffer.concat([Buffer.from([0x42, 0x82, 0x80 | docType.length]), docType]);
    const mkv = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | header.length]), header, Buffer.alloc(64)]);
    const err = await expectReason(mkv, 'unsupported_format');
    expect(err.message).toContain("'matroska'");
  });

  it('rejects a HEIF image in an ISO-BMFF container', async () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(4), Buffer.from('mif1heic'), Buffer.alloc(64)]);
    await expectReason(heic, 'unsupported_format');
  });

  it('rejects MPEG Layer II and raw ADTS AAC (not mp3)', async () => {
    await expectReason(Buffer.concat([Buffer.from([0xff, 0xfd, 0x90, 0x00]), Buffer.alloc(400)]), 'unsupported_format');
    await expectReason(Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80]), Buffer.alloc(400)]), 'unsupported_format');
  });

  describe('truncated or corrupt headers are unreadable', () => {
    it.each([
      ['WAV cut inside the RIFF header', () => Promise.resolve(makeWav(4).subarray(0, 10))],
      ['WAV cut inside the fmt chunk', () => Promise.resolve(makeWav(4).subarray(0, 24))],
      ['WAV with a zeroed fmt chunk', () => Promise.resolve(Buffer.concat([makeWav(4).subarray(0, 20), Buffer.alloc(16), makeWav(4).subarray(36)]))],
      ['FLAC cut inside STREAMINFO', async () => (await readFixture('sample-4s.flac')).subarray(0, 20)],
      ['M4A with only its ftyp box', async () => (await readFixture('sample-4s.m4a')).subarray(0, 32)],
      ['WebM cut inside the EBML header', async () => (await readFixture('sample-4s.webm')).subarray(0, 12)],
      ['Ogg cut inside its first page', async () => (await readFixture('sample-4s.ogg')).subarray(0, 40)],
      ['ID3 tag with nothing after it', async () => (await readFixture('sample-4s.mp3')).subarray(0, 20)],
    ])('%s', async (_label, load) => {
      const err = await expectReason(await load(), 'unreadable');
      expect(err.message).toMatch(/unreadable/);
    });
  });

  it('measures a WAV whose body was cut off by the bytes present, not the header', async () => {
    const err = await expectReason(makeWav(4).subarray(0, 44 + 8000 * 2), 'too_short');
    expect(err.measured).toBeCloseTo(1, 2);
  });

  it('refuses nonsensical limits', async () => {
    await expect(validateVoiceSample(makeWav(4), { maxSizeBytes: 0, minDurationSeconds: 3 })).rejects.toThrow(RangeError);
  });
});

describe('detectVoiceSampleFormat', () => {
  it('looks only at the bytes', async () => {
    expect(detectVoiceSampleFormat(await readFixture('sample-4s.ogg'))).toEqual({ format: 'ogg' });
    expect(detectVoiceSampleFormat(makeWav(0.1))).toEqual({ format: 'wav' });
    expect(detectVoiceSampleFormat(await readFixture('not-audio.mp3'))).toEqual({ unsupported: 'PNG image' });
  });
});
