import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/workflow';
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

/**
 * The same writes run in the worker during the workflow task (v5): one marker event instead of
 * three activity events and a workflow task of their own. Local activities retry in the worker
 * while the workflow task heartbeats, and by timer once the backoff passes `localRetryThreshold`.
 */
export const localDatabaseWrite: LocalActivityOptions = {
  startToCloseTimeout: databaseWrite.startToCloseTimeout,
  retry: databaseWrite.retry,
};

export const elevenLabsRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

// One attempt: a database lookup, possibly a reconciliation with ElevenLabs (two GETs), then the
// POST. The heartbeat just before the POST must outlive its connection wait (ElevenLabs client
// queueTimeoutMs, 5 s) plus ELEVENLABS_REQUEST_TIMEOUT_MS (10 s by default).
export const agentCall: ActivityOptions = {
  startToCloseTimeout: '45 seconds',
  heartbeatTimeout: '20 seconds',
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
