import type * as Mpg123Module from 'mpg123-decoder';
import { AudioDecodeError } from './decode-error';
import { type DecodedAudio } from './decode-wav';

let mpg123: Promise<typeof Mpg123Module> | undefined;
// mpg123-decoder is ESM-only; this package is CommonJS.
const loadMpg123 = (): Promise<typeof Mpg123Module> => (mpg123 ??= import('mpg123-decoder'));

/**
 * MP3 (MPEG-1/2/2.5 layer I-III) → float channels. `strict`: the bytes were not recognised as MP3 by
 * their magic bytes, so any decoder error means they are something else.
 */
export async function decodeMp3(bytes: Buffer, strict: boolean): Promise<DecodedAudio> {
  const { MPEGDecoder } = await loadMpg123();
  const decoder = new MPEGDecoder();
  try {
    await decoder.ready;
    const result = decoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    const detail = result.errors[0] ? ` (${result.errors[0].message})` : '';
    if (result.samplesDecoded === 0 || !(result.sampleRate > 0)) throw new AudioDecodeError(`Not a decodable MP3 file: no MPEG audio frames${detail}`);
    if (strict && detail) throw new AudioDecodeError(`Not a decodable MP3 file: ${result.errors.length} MPEG decoding error(s)${detail}`);
    return { channels: result.channelData.map((c) => c.subarray(0, result.samplesDecoded)), sampleRate: result.sampleRate };
  } finally {
    decoder.free();
  }
}
