import { parseAudioFormat, type SandboxAudioFormat } from '../audio-format/formats';
import type { ValidationIssueBody } from '../http/error-bodies';

/** The `output_format` query enum of the text-to-speech endpoints [SPEC Text_to_speech_v1_text_to_speech__voice_id__post]. */
export const TTS_OUTPUT_FORMATS = [
  'mp3_22050_32',
  'mp3_44100_32',
  'mp3_44100_64',
  'mp3_44100_96',
  'mp3_44100_128',
  'mp3_44100_192',
  'pcm_8000',
  'pcm_16000',
  'pcm_22050',
  'pcm_24000',
  'pcm_44100',
  'pcm_48000',
  'ulaw_8000',
  'alaw_8000',
  'opus_48000_32',
  'opus_48000_64',
  'opus_48000_96',
  'opus_48000_128',
  'opus_48000_192',
] as const;
/** [SPEC] default of output_format. */
export const DEFAULT_TTS_OUTPUT_FORMAT = 'mp3_44100_128';

export type OutputFormatChoice = { format: SandboxAudioFormat } | { unsupported: string } | { invalid: ValidationIssueBody };

export function chooseOutputFormat(raw: string | null): OutputFormatChoice {
  const name = raw ?? DEFAULT_TTS_OUTPUT_FORMAT;
  if (!(TTS_OUTPUT_FORMATS as readonly string[]).includes(name)) {
    const expected = TTS_OUTPUT_FORMATS.map((f) => `'${f}'`);
    return { invalid: { loc: ['query', 'output_format'], msg: `Input should be ${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}`, type: 'enum' } };
  }
  const format = parseAudioFormat(name);
  return format === undefined ? { unsupported: name } : { format };
}

/** UNCONFIRMED: the spec lists only audio/mpeg; these are the sandbox's choices for raw formats. */
export function contentTypeOf(format: SandboxAudioFormat): string {
  return format.encoding === 'ulaw' ? 'audio/basic' : 'audio/pcm';
}
