import type * as MusicMetadataModule from 'music-metadata';
import { errorMessage, VoiceSampleRejectedError } from './errors';

export type VoiceSampleFormat = 'mp3' | 'wav' | 'ogg' | 'webm' | 'm4a' | 'flac';

export const VOICE_SAMPLE_FORMATS: readonly VoiceSampleFormat[] = ['mp3', 'wav', 'ogg', 'webm', 'm4a', 'flac'];

export const VOICE_SAMPLE_MIME_TYPES: Readonly<Record<VoiceSampleFormat, string>> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  webm: 'audio/webm',
  m4a: 'audio/mp4',
  flac: 'audio/flac',
};

export interface VoiceSampleLimits {
  maxSizeBytes: number;
  minDurationSeconds: number;
}

/** VOICE_CLONE_MAX_SIZE_MB=10 and VOICE_CLONE_MIN_DURATION=3 unless configured otherwise. */
export const DEFAULT_VOICE_SAMPLE_LIMITS: Readonly<VoiceSampleLimits> = {
  maxSizeBytes: 10 * 1024 * 1024,
  minDurationSeconds: 3,
};

/** Builds limits from the VOICE_CLONE_MAX_SIZE_MB / VOICE_CLONE_MIN_DURATION settings (MiB, seconds). */
export function voiceSampleLimits(settings: { maxSizeMb?: number; minDurationSeconds?: number }): VoiceSampleLimits {
  return {
    maxSizeBytes:
      settings.maxSizeMb === undefined ? DEFAULT_VOICE_SAMPLE_LIMITS.maxSizeBytes : Math.floor(settings.maxSizeMb * 1024 * 1024),
    minDurationSeconds: settings.minDurationSeconds ?? DEFAULT_VOICE_SAMPLE_LIMITS.minDurationSeconds,
  };
}

export interface ValidatedVoiceSample {
  format: VoiceSampleFormat;
  mimeType: string;
  sizeBytes: number;
  durationSeconds: number;
}

/** `unsupported` and `truncated` describe what was found, for the rejection message. */
export type FormatDetection = { format: VoiceSampleFormat } | { unsupported: string } | { truncated: string };

const ascii = (bytes: Buffer, start: number, end: number): string =>
  bytes.length >= end ? bytes.toString('latin1', start, end) : '';

/** MPEG-1/2/2.5 Layer III frame header (layer II, ADTS AAC and reserved values are not mp3). */
function isMp3FrameHeader(bytes: Buffer, offset: number): boolean {
  if (bytes.length < offset + 4) return false;
  const b1 = bytes[offset + 1] ?? 0;
  const b2 = bytes[offset + 2] ?? 0;
  const version = (b1 >> 3) & 0b11;
  const layer = (b1 >> 1) & 0b11;
  const bitrateIndex = b2 >> 4;
  const sampleRateIndex = (b2 >> 2) & 0b11;
  return (
    bytes[offset] === 0xff &&
    (b1 & 0xe0) === 0xe0 &&
    version !== 0b01 &&
    layer === 0b01 &&
    bitrateIndex !== 0b1111 &&
    sampleRateIndex !== 0b11
  );
}

/** Reads an EBML variable-length integer; `marker` keeps the length bits (element IDs do). */
function readVint(bytes: Buffer, offset: number, marker: boolean): { value: number; length: number } | undefined {
  const first = bytes[offset];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (length > 8 || offset + length > bytes.length) return undefined;
  let value = marker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i += 1) value = value * 256 + (bytes[offset + i] ?? 0);
  return { value, length };
}

const EBML_DOCTYPE_ID = 0x4282;

function detectEbml(bytes: Buffer): FormatDetection {
  const headerSize = readVint(bytes, 4, false);
  if (!headerSize) return { truncated: 'EBML header is cut off' };
  const end = 4 + headerSize.length + headerSize.value;
  if (end > bytes.length) return { truncated: 'EBML header is cut off' };
  let pos = 4 + headerSize.length;
  while (pos < end) {
    const id = readVint(bytes, pos, true);
    if (!id) break;
    const size = readVint(bytes, pos + id.length, false);
    if (!size) break;
    const dataStart = pos + id.length + size.length;
    if (id.value === EBML_DOCTYPE_ID) {
      const docType = bytes.toString('latin1', dataStart, Math.min(dataStart + size.value, end)).replace(/\0+$/, '');
      return docType === 'webm' ? { format: 'webm' } : { unsupported: `EBML document type '${docType}' (only WebM is accepted)` };
    }
    pos = dataStart + size.value;
  }
  // Per the EBML spec a missing DocType means 'matroska'.
  return { unsupported: "EBML document type 'matroska' (only WebM is accepted)" };
}

// ISO-BMFF brands of still images; anything else with an `ftyp` box is handed to the MP4 parser,
// which then has to find an audio track.
const IMAGE_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis', 'crx ', 'jp2 ', 'jpx ']);

function detectIsoBmff(bytes: Buffer): FormatDetection {
  const major = ascii(bytes, 8, 12);
  if (!major) return { truncated: 'ftyp box is cut off' };
  return IMAGE_BRANDS.has(major) ? { unsupported: `ISO-BMFF image (brand '${major.trim()}')` } : { format: 'm4a' };
}

function id3v2Size(bytes: Buffer): number | undefined {
  if (bytes.length < 10) return undefined;
  const sizeBytes = [bytes[6] ?? 0, bytes[7] ?? 0, bytes[8] ?? 0, bytes[9] ?? 0];
  if (sizeBytes.some((b) => b & 0x80)) return undefined;
  const size = sizeBytes.reduce((acc, b) => acc * 128 + b, 0);
  const hasFooter = ((bytes[5] ?? 0) & 0x10) !== 0;
  return 10 + size + (hasFooter ? 10 : 0);
}

function detectAfterId3(bytes: Buffer): FormatDetection {
  let pos = 0;
  // Some taggers write more than one ID3v2 tag in a row.
  while (ascii(bytes, pos, pos + 3) === 'ID3') {
    const size = id3v2Size(bytes.subarray(pos));
    if (size === undefined) return { truncated: 'ID3v2 tag header is invalid or cut off' };
    pos += size;
  }
  if (pos >= bytes.length) return { truncated: 'file ends inside its ID3v2 tag' };
  while (pos < bytes.length && bytes[pos] === 0) pos += 1;
  if (isMp3FrameHeader(bytes, pos)) return { format: 'mp3' };
  if (ascii(bytes, pos, pos + 4) === 'fLaC') return { format: 'flac' };
  if (pos >= bytes.length - 4) return { truncated: 'no audio after the ID3v2 tag' };
  return { unsupported: 'ID3v2 tag not followed by MP3 or FLAC audio' };
}

function describeUnknown(bytes: Buffer): string {
  const head = bytes.subarray(0, 12);
  const known: Array<[string, string]> = [
    ['\x89PNG', 'PNG image'],
    ['\xff\xd8\xff', 'JPEG image'],
    ['GIF8', 'GIF image'],
    ['%PDF', 'PDF document'],
    ['PK\x03\x04', 'ZIP archive'],
    ['FORM', 'IFF/AIFF file'],
    ['RIFF', `RIFF '${ascii(bytes, 8, 12)}' file (not WAVE)`],
    ['\x1f\x8b', 'gzip archive'],
    ['<', 'markup (HTML/XML)'],
    ['{', 'JSON text'],
  ];
  for (const [magic, label] of known) {
    if (head.toString('latin1').startsWith(magic)) return label;
  }
  if ((bytes[0] ?? 0) === 0xff && ((bytes[1] ?? 0) & 0xf6) === 0xf0) return 'raw AAC (ADTS) stream';
  if ((bytes[0] ?? 0) === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0) return 'MPEG audio that is not Layer III';
  const sample = bytes.subarray(0, 512);
  if (sample.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f) || b >= 0x80)) {
    return 'text';
  }
  return `unknown content starting with ${head.subarray(0, 8).toString('hex').replace(/(..)(?!$)/g, '$1 ')}`;
}

/** Identifies the container from its leading bytes; the file name and declared content type play no part. */
export function detectVoiceSampleFormat(bytes: Buffer): FormatDetection {
  if (ascii(bytes, 0, 4) === 'RIFF') {
    const form = ascii(bytes, 8, 12);
    if (!form) return { truncated: 'RIFF header is cut off' };
    return form === 'WAVE' ? { format: 'wav' } : { unsupported: describeUnknown(bytes) };
  }
  if (ascii(bytes, 0, 3) === 'ID3') return detectAfterId3(bytes);
  if (isMp3FrameHeader(bytes, 0)) return { format: 'mp3' };
  if (ascii(bytes, 0, 4) === 'OggS') return { format: 'ogg' };
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3) return detectEbml(bytes);
  if (ascii(bytes, 4, 8) === 'ftyp') return detectIsoBmff(bytes);
  if (ascii(bytes, 0, 4) === 'fLaC') return { format: 'flac' };
  return { unsupported: describeUnknown(bytes) };
}

/**
 * WAV writers that stream (telephony recorders among them) often leave the data chunk size at 0
 * or 0xFFFFFFFF, and a cut-off upload keeps a size larger than what arrived. The duration is
 * therefore computed from the bytes actually present.
 */
function wavDurationFromBytes(bytes: Buffer): number | undefined {
  let pos = 12;
  let byteRate: number | undefined;
  while (pos + 8 <= bytes.length) {
    const id = bytes.toString('latin1', pos, pos + 4);
    const size = bytes.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ' && body + 12 <= bytes.length) {
      byteRate = bytes.readUInt32LE(body + 8);
    } else if (id === 'data') {
      if (!byteRate) return undefined;
      const available = bytes.length - body;
      const declaredUsable = size > 0 && size !== 0xffffffff;
      return (declaredUsable ? Math.min(size, available) : available) / byteRate;
    }
    pos = body + size + (size % 2);
  }
  return undefined;
}

type MusicMetadata = typeof MusicMetadataModule;
let musicMetadata: Promise<MusicMetadata> | undefined;
// music-metadata is ESM-only; this package is CommonJS.
const loadMusicMetadata = (): Promise<MusicMetadata> => (musicMetadata ??= import('music-metadata'));

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)} MB (${n} bytes)`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB (${n} bytes)`;
  return `${n} bytes`;
}

export function voiceSampleTooLargeError(sizeBytes: number, maxSizeBytes: number): VoiceSampleRejectedError {
  return new VoiceSampleRejectedError(
    'too_large',
    `Voice sample rejected: too large: ${formatBytes(sizeBytes)} exceeds the limit of ${formatBytes(maxSizeBytes)}`,
    { limit: maxSizeBytes, measured: sizeBytes },
  );
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * Checks that `bytes` are usable voice-clone input: not empty, within the size limit, one of the
 * accepted containers (by content), parseable, with an audio track at least `minDurationSeconds` long.
 * Throws VoiceSampleRejectedError otherwise.
 */
export async function validateVoiceSample(bytes: Buffer, limits: VoiceSampleLimits): Promise<ValidatedVoiceSample> {
  if (!(limits.maxSizeBytes > 0) || !(limits.minDurationSeconds >= 0)) {
    throw new RangeError(`Invalid voice sample limits: ${JSON.stringify(limits)}`);
  }
  const sizeBytes = bytes.length;
  if (sizeBytes === 0) {
    throw new VoiceSampleRejectedError('empty', 'Voice sample rejected: the file is empty (0 bytes)', { measured: 0 });
  }
  if (sizeBytes > limits.maxSizeBytes) throw voiceSampleTooLargeError(sizeBytes, limits.maxSizeBytes);

  const accepted = VOICE_SAMPLE_FORMATS.join(', ');
  const detection = detectVoiceSampleFormat(bytes);
  if ('unsupported' in detection) {
    throw new VoiceSampleRejectedError(
      'unsupported_format',
      `Voice sample rejected: unsupported format: ${detection.unsupported}; accepted formats are ${accepted}`,
      { measured: sizeBytes },
    );
  }
  if ('truncated' in detection) {
    throw new VoiceSampleRejectedError('unreadable', `Voice sample rejected: unreadable audio: ${detection.truncated}`, {
      measured: sizeBytes,
    });
  }
  const { format } = detection;
  const mimeType = VOICE_SAMPLE_MIME_TYPES[format];

  const { parseBuffer } = await loadMusicMetadata();
  let metadata: Awaited<ReturnType<MusicMetadata['parseBuffer']>>;
  try {
    metadata = await parseBuffer(bytes, { mimeType, size: sizeBytes }, { duration: true, skipCovers: true });
  } catch (err) {
    const detail = errorMessage(err);
    throw new VoiceSampleRejectedError('unreadable', `Voice sample rejected: unreadable ${format} audio: ${detail}`, {
      measured: sizeBytes,
      cause: err,
    });
  }
  if (metadata.format.hasVideo === true) {
    throw new VoiceSampleRejectedError(
      'unsupported_format',
      `Voice sample rejected: unsupported format: ${format} container holds a video track; send audio only (${accepted})`,
      { measured: sizeBytes },
    );
  }
  if (metadata.format.hasAudio === false) {
    // Also what a file cut off before its first audio frame or page looks like.
    throw new VoiceSampleRejectedError('unreadable', `Voice sample rejected: unreadable ${format} audio: no audio stream found`, {
      measured: sizeBytes,
    });
  }

  let durationSeconds = metadata.format.duration;
  if (format === 'wav') durationSeconds = wavDurationFromBytes(bytes) ?? durationSeconds;
  if (durationSeconds === undefined || !Number.isFinite(durationSeconds) || durationSeconds < 0) {
    throw new VoiceSampleRejectedError(
      'unreadable',
      `Voice sample rejected: unreadable ${format} audio: its duration cannot be determined`,
      { measured: sizeBytes },
    );
  }
  if (durationSeconds < limits.minDurationSeconds) {
    throw new VoiceSampleRejectedError(
      'too_short',
      `Voice sample rejected: too short: ${round2(durationSeconds)} s is below the minimum of ${limits.minDurationSeconds} s`,
      { limit: limits.minDurationSeconds, measured: durationSeconds },
    );
  }
  return { format, mimeType, sizeBytes, durationSeconds };
}
