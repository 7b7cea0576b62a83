import { STORAGE_FAILURES } from '../../contracts/failures';

// Storage and voice-sample errors, Temporal-free: activities turn them into ApplicationFailures.
// `name` is the failure type in STORAGE_FAILURES (what retry policies match), `retryable` its verdict.

export type StorageFailureKind = keyof typeof STORAGE_FAILURES;

export abstract class StorageError<K extends StorageFailureKind = StorageFailureKind> extends Error {
  override readonly name: (typeof STORAGE_FAILURES)[K]['type'];
  readonly kind: K;
  readonly retryable: boolean;

  protected constructor(kind: K, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.name = STORAGE_FAILURES[kind].type;
    this.retryable = STORAGE_FAILURES[kind].retryable;
  }
}

export type VoiceSampleRejectionReason = 'empty' | 'too_large' | 'unsupported_format' | 'unreadable' | 'too_short';

/** The sample is not acceptable voice-clone input. Retrying the same bytes cannot help. */
export class VoiceSampleRejectedError extends StorageError<'sampleRejected'> {
  readonly reason: VoiceSampleRejectionReason;
  /** The limit that was broken (bytes for too_large, seconds for too_short), when there is one. */
  readonly limit: number | undefined;
  /** What was measured (bytes, seconds), when something could be measured. */
  readonly measured: number | undefined;

  constructor(reason: VoiceSampleRejectionReason, message: string, details: { limit?: number; measured?: number; cause?: unknown } = {}) {
    super('sampleRejected', message, details.cause);
    this.reason = reason;
    this.limit = details.limit;
    this.measured = details.measured;
  }
}

/** The object or file does not exist (or is not a regular file). */
export class VoiceSampleNotFoundError extends StorageError<'sampleNotFound'> {
  readonly url: string;

  constructor(url: string, detail?: string, options: { cause?: unknown } = {}) {
    super('sampleNotFound', `Voice sample not found: ${url}${detail ? ` (${detail})` : ''}`, options.cause);
    this.url = url;
  }
}

export type StoragePathRefusalReason = 'traversal' | 'outside_root' | 'invalid';

/**
 * The path or URL was refused before any I/O: traversal, a target outside the root (a local
 * directory, or S3_BUCKET_NAME), or a malformed location.
 */
export class StoragePathRefusedError extends StorageError<'pathRefused'> {
  readonly reason: StoragePathRefusalReason;
  readonly input: string;

  constructor(input: string, reason: StoragePathRefusalReason, detail: string) {
    super('pathRefused', `Storage path refused (${reason}): ${JSON.stringify(input)}: ${detail}`);
    this.reason = reason;
    this.input = input;
  }
}

interface StoreAnswer {
  /** S3 error code, errno code, or a code of our own such as 'BACKEND_NOT_CONFIGURED'. */
  code?: string;
  statusCode?: number;
  cause?: unknown;
}

/** A failure of the store itself, alike but for its kind: what it answered, if anything. */
function storeFailure<K extends 'request' | 'unavailable'>(kind: K) {
  const failure = class extends StorageError<K> {
    readonly code: string | undefined;
    readonly statusCode: number | undefined;

    constructor(message: string, details: StoreAnswer = {}) {
      super(kind, message, details.cause);
      this.code = details.code;
      this.statusCode = details.statusCode;
    }
  };
  return Object.defineProperty(failure, 'name', { value: STORAGE_FAILURES[kind].type });
}

/**
 * The store answered but refused the request for a reason retrying will not fix: access denied,
 * bad credentials, an invalid bucket, a backend that is not configured.
 */
export const StorageRequestError = storeFailure('request');
export type StorageRequestError = InstanceType<typeof StorageRequestError>;

/** The store could not be reached or failed on its side (network error, timeout, 5xx, throttling). Retryable. */
export const StorageUnavailableError = storeFailure('unavailable');
export type StorageUnavailableError = InstanceType<typeof StorageUnavailableError>;

/** Failure types an activity should declare non-retryable. */
export const NON_RETRYABLE_STORAGE_ERROR_TYPES: string[] = Object.values(STORAGE_FAILURES)
  .filter((f) => !f.retryable)
  .map((f) => f.type);

export function isStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError;
}

// Duck-typed on purpose: errors thrown by Node internals can come from another realm (vm
// contexts, Jest), where `instanceof Error` is false.
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
