import { WaveFile } from 'wavefile';
import { AudioDecodeError } from './decode-error';

export interface DecodedAudio {
  channels: Float32Array[];
  sampleRate: number;
}

interface Fmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

const PCM = 1;
const IEEE_FLOAT = 3;
// Companded / ADPCM encodings wavefile expands to 16-bit PCM.
const EXPANDED_BY_WAVEFILE = new Map<number, (wav: WaveFile) => void>([
  [6, (wav) => wav.fromALaw()],
  [7, (wav) => wav.fromMuLaw()],
  [17, (wav) => wav.fromIMAADPCM()],
]);
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * WAV (RIFF/RF64) → float channels. wavefile parses the chunks and expands a-law, μ-law and IMA ADPCM;
 * PCM and float samples are converted here (wavefile's own bit-depth conversion is slow and mis-scales
 * companded input).
 */
export function decodeWav(bytes: Buffer): DecodedAudio {
  let wav: WaveFile;
  try {
    wav = new WaveFile(resolveExtensibleFormat(bytes));
  } catch (err) {
    throw new AudioDecodeError(`Corrupt WAV file: ${(err as Error).message}`, { cause: err });
  }
  let fmt = { ...(wav.fmt as Fmt) };
  const expand = EXPANDED_BY_WAVEFILE.get(fmt.audioFormat);
  if (expand) {
    try {
      expand(wav);
    } catch (err) {
      throw new AudioDecodeError(`Corrupt WAV data: ${(err as Error).message}`, { cause: err });
    }
    // Expanding replaces wav.fmt with a 16-bit PCM one.
    fmt = { ...(wav.fmt as Fmt) };
  }
  if (fmt.audioFormat !== PCM && fmt.audioFormat !== IEEE_FLOAT) {
    throw new AudioDecodeError(`WAV encoding 0x${fmt.audioFormat.toString(16).padStart(4, '0')} is not supported (only PCM, IEEE float, a-law, μ-law, IMA ADPCM)`);
  }
  if (fmt.numChannels < 1 || !(fmt.sampleRate > 0) || fmt.blockAlign < fmt.numChannels || fmt.blockAlign % fmt.numChannels !== 0) {
    throw new AudioDecodeError(`Corrupt WAV header: ${fmt.numChannels} channels, ${fmt.sampleRate} Hz, block align ${fmt.blockAlign}`);
  }
  const width = fmt.blockAlign / fmt.numChannels;
  const read = sampleReader(fmt.audioFormat, width);
  if (!read) throw new AudioDecodeError(`WAV ${fmt.audioFormat === IEEE_FLOAT ? 'float' : 'PCM'} with ${width * 8}-bit samples is not supported`);
  const data = (wav.data as { samples: Uint8Array }).samples;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames = Math.floor(data.byteLength / fmt.blockAlign);
  const channels = Array.from({ length: fmt.numChannels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i += 1) {
    for (let c = 0; c < fmt.numChannels; c += 1) channels[c]![i] = read(view, i * fmt.blockAlign + c * width);
  }
  return { channels, sampleRate: fmt.sampleRate };
}

/** Reads one little-endian sample of `width` bytes as a float in -1..1 (valid bits are left-justified in their container). */
function sampleReader(format: number, width: number): ((view: DataView, at: number) => number) | undefined {
  if (format === IEEE_FLOAT) {
    if (width === 4) return (v, at) => v.getFloat32(at, true);
    if (width === 8) return (v, at) => v.getFloat64(at, true);
    return undefined;
  }
  switch (width) {
    case 1:
      return (v, at) => (v.getUint8(at) - 128) / 128;
    case 2:
      return (v, at) => v.getInt16(at, true) / 32768;
    case 3:
      return (v, at) => ((v.getInt8(at + 2) << 16) | (v.getUint8(at + 1) << 8) | v.getUint8(at)) / 8_388_608;
    case 4:
      return (v, at) => v.getInt32(at, true) / 2_147_483_648;
    default:
      return undefined;
  }
}

// wavefile reads the bit depth of a WAVE_FORMAT_EXTENSIBLE file from bitsPerSample alone and keeps
// wFormatTag 0xFFFE; writing the sub-format's code (PCM, float, …) into wFormatTag makes it an
// ordinary header. ffmpeg writes extensible headers for float and for more than 16 bits.
function resolveExtensibleFormat(bytes: Buffer): Buffer {
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      const body = at + 8;
      if (size < 40 || body + 26 > bytes.length || bytes.readUInt16LE(body) !== WAVE_FORMAT_EXTENSIBLE) return bytes;
      const copy = Buffer.from(bytes);
      copy.writeUInt16LE(bytes.readUInt16LE(body + 24), body);
      return copy;
    }
    at += 8 + size + (size % 2);
  }
  return bytes;
}
