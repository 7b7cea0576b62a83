export { PCM_8K, floatToPcm16, pcm16ToFloat, readPcm16, silence, writePcm16 } from './pcm';
export { AudioDecodeError } from './decode-error';
export { decodeToPcm8k } from './decode';
export { createFloatResampler, createResampler, type FloatStreamResampler, type ResampleQuality, type StreamResampler } from './resampler';
export { parseAudioFormat, type AudioEncoding, type AudioFormat } from './audio-format';
export { pcm16ToUlaw, ulawToPcm16 } from './ulaw';
export { ringbackTone } from './ringback';
