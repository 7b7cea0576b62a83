import { decodeMulaw, encodeMulaw } from './mulaw';

/** An `output_format` / agent audio format the sandbox can produce: raw s16le PCM or μ-law, mono. */
export interface SandboxAudioFormat {
  name: string;
  encoding: 'pcm' | 'ulaw';
  sampleRate: number;
  /** Bytes per millisecond of audio. */
  bytesPerMs: number;
}

/**
 * Parses `pcm_<rate>` and `ulaw_8000` ([SPEC] output_format enum, ASRInputFormat, TTSOutputFormat:
 * "codec_sample_rate_bitrate"); undefined for anything else (mp3, opus, alaw).
 */
export function parseAudioFormat(name: string): SandboxAudioFormat | undefined {
  const pcm = /^pcm_(8000|16000|22050|24000|44100|48000)$/.exec(name);
  if (pcm !== null) {
    const sampleRate = Number(pcm[1]);
    return { name, encoding: 'pcm', sampleRate, bytesPerMs: (sampleRate * 2) / 1000 };
  }
  if (name === 'ulaw_8000') return { name, encoding: 'ulaw', sampleRate: 8000, bytesPerMs: 8 };
  return undefined;
}

export function encodeAudio(pcm: Buffer, format: SandboxAudioFormat): Buffer {
  return format.encoding === 'ulaw' ? encodeMulaw(pcm) : pcm;
}

export function decodeAudio(bytes: Buffer, format: SandboxAudioFormat): Buffer {
  return format.encoding === 'ulaw' ? decodeMulaw(bytes) : bytes;
}

/** Splits into chunks of `chunkMs` (the last may be shorter), never inside a sample. */
export function chunkAudio(bytes: Buffer, format: SandboxAudioFormat, chunkMs: number): Buffer[] {
  const sampleBytes = format.encoding === 'ulaw' ? 1 : 2;
  const size = Math.max(sampleBytes, Math.floor((chunkMs * format.bytesPerMs) / sampleBytes) * sampleBytes);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}
