import { elevenLabsError, type ValidationIssue } from './errors';

/** The `output_format` enum of POST /v1/text-to-speech/{voice_id} [SPEC]. */
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
export type TtsOutputFormat = (typeof TTS_OUTPUT_FORMATS)[number];

export interface TextToSpeechParams {
  voiceId: string;
  text: string;
  /** Default `pcm_8000`: raw s16le mono at 8 kHz, the 3CX stream format. */
  outputFormat?: TtsOutputFormat;
  /** Omitted unless set: the API then uses its default model. */
  modelId?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface TextToSpeechRequest {
  path: string;
  json: { text: string; model_id?: string };
}

/** Path, query and JSON body [SPEC `Body_Text_to_speech_v1_text_to_speech__voice_id__post`]. */
export function buildTextToSpeechRequest(params: TextToSpeechParams): TextToSpeechRequest {
  const issues: ValidationIssue[] = [];
  if (params.voiceId.trim() === '') issues.push({ loc: ['params', 'voiceId'], msg: 'must not be empty', type: 'client_validation' });
  if (params.text.trim() === '') issues.push({ loc: ['params', 'text'], msg: 'must not be empty', type: 'client_validation' });
  if (params.modelId?.trim() === '') issues.push({ loc: ['params', 'modelId'], msg: 'must not be empty (omit it instead)', type: 'client_validation' });
  if (issues.length > 0) {
    throw elevenLabsError('validation', `invalid text-to-speech request: ${issues.map((i) => `${i.loc.join('.')} ${i.msg}`).join('; ')}`, { issues });
  }
  const outputFormat = params.outputFormat ?? 'pcm_8000';
  return {
    path: `/v1/text-to-speech/${encodeURIComponent(params.voiceId)}?output_format=${outputFormat}`,
    json: params.modelId === undefined ? { text: params.text } : { text: params.text, model_id: params.modelId },
  };
}
