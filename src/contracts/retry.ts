import { NON_RETRYABLE_ELEVENLABS_ERROR_TYPES } from '../integrations/elevenlabs/errors';
import { NON_RETRYABLE_STORAGE_ERROR_TYPES } from '../integrations/storage/errors';

// Failure types no retry can fix. Activities throw errors (or ApplicationFailures) of these types;
// workflows list them in each retry policy's nonRetryableErrorTypes. The error modules are plain
// classes without I/O, safe in the workflow bundle.

/** The caller has no voice sample registered. */
export const NO_VOICE_SAMPLE = 'NoVoiceSampleError';
/** An outbound call was not connected (busy, no answer) or could not be placed for good. */
export const CALL_NOT_PLACED = 'CallNotPlacedError';

export const NON_RETRYABLE_ERROR_TYPES: string[] = [
  ...NON_RETRYABLE_ELEVENLABS_ERROR_TYPES,
  ...NON_RETRYABLE_STORAGE_ERROR_TYPES,
  NO_VOICE_SAMPLE,
  CALL_NOT_PLACED,
];
