export type AudioContainer = 'wav' | 'mp3';

/** WAV or MP3 by magic bytes, or a description of what the bytes are instead (for error messages). */
export function sniffContainer(bytes: Buffer): { container: AudioContainer } | { other: string } {
  const ascii = (from: number, to: number) => bytes.toString('latin1', from, to);
  if (['RIFF', 'RF64'].includes(ascii(0, 4)) && ascii(8, 12) === 'WAVE') return { container: 'wav' };
  if (ascii(0, 3) === 'ID3' || isMpegFrameHeader(bytes, 0)) return { container: 'mp3' };
  if (ascii(0, 4) === 'OggS') return { other: 'Ogg' };
  if (ascii(0, 4) === 'fLaC') return { other: 'FLAC' };
  if (ascii(4, 8) === 'ftyp') return { other: 'MP4/M4A' };
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3) return { other: 'WebM/Matroska' };
  if (ascii(0, 4) === 'RIFF') return { other: `RIFF/${ascii(8, 12)}` };
  if (ascii(1, 4) === 'PNG') return { other: 'PNG image' };
  return { other: 'unrecognised data' };
}

/** MPEG audio frame header: 11-bit sync, a valid layer, bitrate index and sample-rate index. */
export function isMpegFrameHeader(bytes: Buffer, at: number): boolean {
  if (at + 4 > bytes.length) return false;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  return bytes[at] === 0xff && (b1 & 0xe0) === 0xe0 && ((b1 >> 1) & 0x03) !== 0 && b2 >> 4 !== 0x0f && ((b2 >> 2) & 0x03) !== 0x03;
}

/** The container a file name or MIME type names, if any. */
export function containerFromHint(hint: string | undefined): AudioContainer | undefined {
  const h = hint?.trim().toLowerCase() ?? '';
  if (/\.mp3$|^audio\/(mpeg|mp3|mpeg3|x-mpeg(-3)?|mpga)\b/.test(h)) return 'mp3';
  if (/\.wave?$|^audio\/(wav|wave|x-wav|vnd\.wave)\b/.test(h)) return 'wav';
  return undefined;
}
