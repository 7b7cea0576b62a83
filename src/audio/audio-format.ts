export type AudioEncoding = 'pcm' | 'ulaw';

export interface AudioFormat {
  encoding: AudioEncoding;
  sampleRate: number;
}

// ElevenLabs `output_format` / agent audio format names [SPEC: elevenlabs-openapi.json]; a-law and the
// compressed formats (mp3_*, opus_*) are not streamable to 3CX as they are, so they parse to null.
const PCM_RATES = new Set([8000, 16000, 22050, 24000, 44100, 48000]);

/** 'pcm_8000' | 'pcm_16000' | 'pcm_22050' | 'pcm_24000' | 'pcm_44100' | 'pcm_48000' | 'ulaw_8000' → format; anything else → null. */
export function parseAudioFormat(name: string): AudioFormat | null {
  const match = /^(pcm|ulaw)_(\d+)$/.exec(name.trim());
  if (!match) return null;
  const sampleRate = Number(match[2]);
  if (match[1] === 'ulaw') return sampleRate === 8000 ? { encoding: 'ulaw', sampleRate } : null;
  return PCM_RATES.has(sampleRate) ? { encoding: 'pcm', sampleRate } : null;
}
