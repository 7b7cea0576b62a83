import { PCM_8K, parseAudioFormat, pcm16ToUlaw, readPcm16, silence, ulawToPcm16, writePcm16 } from '../../../src/audio';

describe('PCM helpers', () => {
  test('the 3CX stream format: 8 kHz, 16 bytes per ms', () => {
    expect(PCM_8K).toEqual({ sampleRate: 8000, bytesPerMs: 16 });
  });

  test('silence(ms) is zeroed s16le of the right length at any rate', () => {
    expect(silence(20)).toEqual(Buffer.alloc(320));
    expect(silence(10, 16_000).length).toBe(320);
    expect(silence(1, 22_050).length).toBe(44);
    expect(silence(0).length).toBe(0);
    expect(silence(-5).length).toBe(0);
  });

  test('readPcm16 reads Buffers at an odd byteOffset and ignores a trailing odd byte', () => {
    const backing = Buffer.alloc(8);
    backing.writeInt16LE(-2, 1);
    backing.writeInt16LE(12_345, 3);
    backing.writeInt16LE(-32_768, 5);
    const odd = backing.subarray(1, 8);
    expect(Array.from(readPcm16(odd))).toEqual([-2, 12_345, -32_768]);
    expect(writePcm16(readPcm16(odd)).equals(odd.subarray(0, 6))).toBe(true);
  });
});

describe('G.711 μ-law', () => {
  test('known values of the reference codec', () => {
    expect(pcm16ToUlaw(writePcm16(Int16Array.from([0, 1000, -1000, 32_767, -32_768])))).toEqual(Buffer.from([0xff, 0xce, 0x4e, 0x80, 0x00]));
    expect(Array.from(readPcm16(ulawToPcm16(Buffer.from([0xff, 0x7f, 0xce, 0x4e, 0x80, 0x00]))))).toEqual([0, 0, 988, -988, 32_124, -32_124]);
  });

  test('every code survives decode → encode (the two zeros become one)', () => {
    const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const again = pcm16ToUlaw(ulawToPcm16(codes));
    for (let i = 0; i < 256; i += 1) expect(again[i]).toBe(i === 0x7f ? 0xff : i);
  });

  test('encode → decode error stays within the μ-law step for every 16-bit value', () => {
    const all = new Int16Array(65_536);
    for (let i = 0; i < all.length; i += 1) all[i] = i - 32_768;
    const back = readPcm16(ulawToPcm16(pcm16ToUlaw(writePcm16(all))));
    for (let i = 0; i < all.length; i += 1) {
      const x = Math.max(-32_635, Math.min(32_635, all[i]!));
      // Segment step is 2^(exponent+3); the error is at most half of it plus the clip at 32635.
      expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(Math.max(8, Math.abs(x) / 16) + 1);
    }
  });
});

describe('parseAudioFormat', () => {
  test.each([
    ['pcm_8000', { encoding: 'pcm', sampleRate: 8000 }],
    ['pcm_16000', { encoding: 'pcm', sampleRate: 16_000 }],
    ['pcm_22050', { encoding: 'pcm', sampleRate: 22_050 }],
    ['pcm_24000', { encoding: 'pcm', sampleRate: 24_000 }],
    ['pcm_44100', { encoding: 'pcm', sampleRate: 44_100 }],
    ['pcm_48000', { encoding: 'pcm', sampleRate: 48_000 }],
    ['ulaw_8000', { encoding: 'ulaw', sampleRate: 8000 }],
  ])('%s', (name, format) => {
    expect(parseAudioFormat(name)).toEqual(format);
  });

  test.each(['ulaw_16000', 'alaw_8000', 'mp3_44100_128', 'opus_48000_64', 'pcm_12345', 'pcm', 'PCM_8000x', ''])('%s → null', (name) => {
    expect(parseAudioFormat(name)).toBeNull();
  });
});
