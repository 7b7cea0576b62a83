/**
 * Storage and voice-sample errors. Plain Error subclasses (no Temporal import): activities turn
 * them into ApplicationFailures, using `retryable` / NON_RETRYABLE_STORAGE_ERROR_TYPES.
 */

export type VoiceSampleRejectionReason = 'empty' | 'too_large' | 'unsupported_format' | 'unreadable' | 'too_short';

/** The sample is not acceptable voice-clone input. Retrying the same bytes cannot help. */
export class VoiceSampleRejectedError extends Error {
  override readonly name = 'VoiceSampleRejectedError';
  readonly retryable = false;
  readonly reason: VoiceSampleRejectionReason;
  /** The limit that was broken (bytes for too_large, seconds for too_short), when there is one. */
  readonly limit: number | undefined;
  /** What was measured (bytes, seconds), when something could be measured. */
  readonly measured: number | undefined;

  constructor(
    reason: VoiceSampleRejectionReason,
    message: string,
    details: { limit?: number; measured?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = reason;
    this.limit = details.limit;
    this.measured = details.measured;
  }
}

/** The object or file does not exist (or is not a regular file). */
export class VoiceSampleNotFoundError extends Error {
  override readonly name = 'VoiceSampleNotFoundError';
  readonly retryable = false;
  readonly url: string;

  constructor(url: string, detail?: string, options?: { cause?: unknown }) {
    super(`Voice sample not found: ${url}${detail ? ` (${detail})` : ''}`, options);
    this.url = url;
  }
}

export type StoragePathRefusalReason = 'traversal' | 'outside_root' | 'invalid';

/** The path or URL was refused before any I/O: traversal, a target outside the root, or a malformed location. */
export class StoragePathRefusedError extends Error {
  override readonly name = 'StoragePathRefusedError';
  readonly retryable = false;
  readonly reason: StoragePathRefusalReason;
  readonly input: string;

  constructor(input: string, reason: StoragePathRefusalReason, detail: string) {
    super(`Storage path refused (${reason}): ${JSON.stringify(input)}: ${detail}`);
    this.reason = reason;
    this.input = input;
  }
}

/**
 * The store answered but refused the request for a reason retrying will not fix: access denied,
 * bad credentials, an invalid bucket, a backend that is not configured.
 */
export class StorageRequestError extends Error {
  override readonly name = 'StorageRequestError';
  readonly retryable = false;
  /** S3 error code, errno code, or a code of our own such as 'BACKEND_NOT_CONFIGURED'. */
  readonly code: string | undefined;
  readonly statusCode: number | undefined;

  constructor(message: string, details: { code?: string; statusCode?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.statusCode = details.statusCode;
  }
}

/** The store could not be reached or failed on its side (network error, timeout, 5xx, throttling). Retryable. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  readonly retryable = true;
  readonly code: string | undefined;
  readonly statusCode: number | undefined;

  constructor(message: string, details: { code?: string; statusCode?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.statusCode = details.statusCode;
  }
}

export type StorageError =
  | VoiceSampleRejectedError
  | VoiceSampleNotFoundError
  | StoragePathRefusedError
  | StorageRequestError
  | StorageUnavailableError;

/** Error `name`s an activity should declare non-retryable. */
export const NON_RETRYABLE_STORAGE_ERROR_TYPES: string[] = [
  'VoiceSampleRejectedError',
  'VoiceSampleNotFoundError',
  'StoragePathRefusedError',
  'StorageRequestError',
];

export function isStorageError(err: unknown): err is StorageError {
  return (
    err instanceof VoiceSampleRejectedError ||
    err instanceof VoiceSampleNotFoundError ||
    err instanceof StoragePathRefusedError ||
    err instanceof StorageRequestError ||
    err instanceof StorageUnavailableError
  );
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
