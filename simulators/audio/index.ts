export { SIM_SAMPLE_RATE, SIM_SAMPLE_RATE as SAMPLE_RATE, VOICE_SIGNATURE_COUNT, humanVoiceId, signatureAt, voiceSignature, voiceTones, type VoiceSignature } from './voice-signature';
export { speechDurationMs, synthesizeSpeech } from './speech';
export { DEFAULT_FRAME_MS, classifyFrames, classifyFramesAgainst, type FrameLabel, type SignatureCandidate } from './classify';
export { longestSilenceMs, toSegments, voiceMs, type HeardSegment } from './segments';
