import { AudioDecodeError } from './decode-error';
import { decodeMp3 } from './decode-mp3';
import { decodeWav, type DecodedAudio } from './decode-wav';
import { floatToPcm16, PCM_8K } from './pcm';
import { createFloatResampler } from './resampler';
import { containerFromHint, sniffContainer } from './sniff';

/**
 * WAV (PCM of any bit depth, float, a-law, μ-law, IMA ADPCM; any rate; any channel count, mixed down)
 * or MP3 → s16le mono 8 kHz. The content decides (magic bytes); `hint` (file name or MIME type) is
 * used only for MP3 that starts without an ID3 tag or frame sync. Throws AudioDecodeError otherwise.
 */
export async function decodeToPcm8k(bytes: Buffer, hint?: string): Promise<Buffer> {
  if (bytes.length === 0) throw new AudioDecodeError('Empty audio file');
  const sniffed = sniffContainer(bytes);
  let decoded: DecodedAudio;
  if ('container' in sniffed) {
    decoded = sniffed.container === 'wav' ? decodeWav(bytes) : await decodeMp3(bytes, false);
  } else if (containerFromHint(hint) === 'mp3' && sniffed.other === 'unrecognised data') {
    decoded = await decodeMp3(bytes, true);
  } else {
    throw new AudioDecodeError(`Unsupported audio: ${sniffed.other}${hint ? ` (${hint})` : ''}; expected WAV or MP3`);
  }
  const mono = downmix(decoded.channels);
  if (mono.length === 0) throw new AudioDecodeError('The audio file holds no samples');
  if (!Number.isInteger(decoded.sampleRate) || decoded.sampleRate < 1000 || decoded.sampleRate > 192_000) {
    throw new AudioDecodeError(`Unsupported sample rate ${decoded.sampleRate} Hz`);
  }
  const resampler = await createFloatResampler(decoded.sampleRate, PCM_8K.sampleRate, 'medium');
  try {
    const head = resampler.push(mono);
    const tail = resampler.flush();
    const out = new Float32Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return floatToPcm16(out);
  } finally {
    resampler.close();
  }
}

function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length <= 1) return channels[0] ?? new Float32Array(0);
  const length = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i += 1) out[i]! += channel[i]! / channels.length;
  }
  return out;
}
