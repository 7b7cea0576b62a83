import { synthesizeSpeech } from '../../audio';
import { chunkAudio, encodeAudio } from '../audio-format/formats';
import { errorBodies, issue, type ValidationIssueBody } from '../http/error-bodies';
import { type Handler, isObject } from '../http/handler';
import type { AudioResponse } from '../http/response';
import { delay, pickLatency } from '../util';
import { chooseOutputFormat, contentTypeOf } from './output-format';

// The streaming endpoint sends 100 ms of audio every 50 ms: faster than real time, not all at once.
const STREAM_CHUNK_MS = 100;
const STREAM_INTERVAL_MS = 50;

/** Body_Text_to_speech_v1_text_to_speech__voice_id__post [SPEC]: `text` required; the sandbox checks the types of model_id and voice_settings. */
function validateBody(json: unknown): { text: string } | ValidationIssueBody[] {
  if (!isObject(json)) return [{ loc: ['body'], msg: 'Field required', type: 'missing' }];
  const issues: ValidationIssueBody[] = [];
  if (json.text === undefined) issues.push(issue.missing(['body', 'text']));
  else if (typeof json.text !== 'string') issues.push(issue.string(['body', 'text']));
  if (json.model_id !== undefined && typeof json.model_id !== 'string') issues.push(issue.string(['body', 'model_id']));
  if (json.voice_settings !== undefined && json.voice_settings !== null && !isObject(json.voice_settings)) issues.push(issue.dict(['body', 'voice_settings']));
  return issues.length > 0 ? issues : { text: json.text as string };
}

/**
 * POST /v1/text-to-speech/{voice_id} and …/stream [SPEC Text_to_speech_v1_text_to_speech__voice_id__post,
 * Text_to_speech_streaming_v1_text_to_speech__voice_id__stream_post]: the voice's sandbox "speech"
 * (simulators/audio synthesizeSpeech) in `output_format`.
 */
export function textToSpeech(stream: boolean): Handler {
  return async (state, input) => {
    if (input.jsonError) return errorBodies.validation([issue.jsonInvalid()]);
    const choice = chooseOutputFormat(input.query.get('output_format'));
    const body = validateBody(input.json);
    if ('invalid' in choice || Array.isArray(body)) {
      return errorBodies.validation([...('invalid' in choice ? [choice.invalid] : []), ...(Array.isArray(body) ? body : [])]);
    }
    if ('unsupported' in choice) return errorBodies.unsupportedOutputFormat(choice.unsupported);
    const voiceId = input.params.voiceId ?? '';
    if (!state.voices.canSpeak(voiceId, state.config.acceptAnyPremadeVoiceId)) return errorBodies.voiceNotFound(voiceId);
    await delay(pickLatency(state.config.ttsLatencyMs, state.random), input.signal);
    const audio = encodeAudio(synthesizeSpeech(voiceId, body.text, choice.format.sampleRate), choice.format);
    const response: AudioResponse = {
      kind: 'audio',
      status: 200,
      contentType: contentTypeOf(choice.format),
      chunks: stream ? chunkAudio(audio, choice.format, STREAM_CHUNK_MS) : [audio],
      chunkIntervalMs: stream ? STREAM_INTERVAL_MS : 0,
    };
    return response;
  };
}
