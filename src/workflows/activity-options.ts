import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../contracts/retry';

// Why each timeout and retry is what it is (see docs/ARCHITECTURE.md):
// - Database writes retry without limit: PostgreSQL being down delays a record, never loses it.
// - ElevenLabs calls retry 429/5xx/network with backoff, a few times, never the non-retryable
//   types (bad key, quota, voice limit, validation, a call not connected).
// - startToClose is one attempt's upper bound, above the HTTP client's own timeout, so a dead
//   worker is noticed; heartbeats catch a stuck clone sooner.

export const databaseWrite: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

export const elevenLabsRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

export const agentCall: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  heartbeatTimeout: '15 seconds',
  retry: { ...elevenLabsRetry, initialInterval: '2 seconds' },
};

export const elevenLabsRead: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: elevenLabsRetry,
};

export const temporalCall: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 10 },
};

/** One clone attempt: download + validation + the ElevenLabs request (VOICE_CLONE_TIMEOUT). */
export function cloneAttempt(cloneTimeoutSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: `${cloneTimeoutSeconds + 30} seconds`,
    heartbeatTimeout: '10 seconds',
    retry: { ...elevenLabsRetry, initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 4 },
  };
}
