import { ApplicationFailure } from '@temporalio/common';
import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { isAgentConnectError } from '../integrations/elevenlabs/agent-connect-errors';
import { isStorageError } from '../integrations/storage/errors';
import { isThreeCxError } from '../integrations/threecx/call-control/errors';

/**
 * Longest Retry-After honoured as the next retry's delay. ElevenLabs may ask for minutes; a caller
 * on hold hangs up long before that, so an activity that waited 600 s would act for a call that is
 * long over. Beyond this we try again sooner: another 429 costs one request.
 */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * Turns an integration's typed error into the Temporal failure its retry policy understands: the
 * class name as failure type (what nonRetryableErrorTypes matches), `retryable` as the verdict, and
 * ElevenLabs' Retry-After (at most MAX_RETRY_AFTER_MS) as the next retry delay. Anything else
 * passes through unchanged.
 */
export function toActivityFailure(err: unknown): unknown {
  if (isElevenLabsError(err)) {
    return ApplicationFailure.create({
      type: err.name,
      message: err.message,
      nonRetryable: !err.retryable,
      // A zero delay would be taken as "no retry"; only a real Retry-After overrides the backoff.
      ...(err.retryAfterMs ? { nextRetryDelay: Math.min(err.retryAfterMs, MAX_RETRY_AFTER_MS) } : {}),
      details: [{ status: err.status ?? null, code: err.code ?? null, apiMessage: err.apiMessage ?? null }],
      cause: err,
    });
  }
  if (isStorageError(err) || isAgentConnectError(err) || isThreeCxError(err)) {
    return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: !err.retryable, cause: err });
  }
  return err;
}

/** Every activity of `activities` with its typed errors turned into the failures retry policies understand. */
export function withFailureTypes<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [name, (...args: never[]) => mapFailures(() => fn(...args))]),
  ) as T;
}

export async function mapFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
