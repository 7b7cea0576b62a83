/**
 * Typed ElevenLabs failures. Temporal-free: activities map `retryable` (or the class name via
 * NON_RETRYABLE_ELEVENLABS_ERROR_TYPES) onto Temporal's retry policy. Every class sets `name`
 * to a literal equal to its constructor name, because Temporal uses `error.name` as the failure type.
 */

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export interface ElevenLabsErrorInit {
  /** HTTP status, absent when no response was received. */
  status?: number;
  /** ElevenLabs `detail.status` (e.g. `voice_limit_reached`) or a Node/undici error code (e.g. `ECONNREFUSED`). */
  code?: string;
  /** The API's own message (`detail.message`), kept verbatim. */
  apiMessage?: string;
  method?: string;
  path?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

export abstract class ElevenLabsError extends Error {
  abstract readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly apiMessage: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: ElevenLabsErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.apiMessage = init.apiMessage;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 429 `too_many_concurrent_requests` / `system_busy` (or any 429). Honour `retryAfterMs` when set. */
export class ElevenLabsRateLimitError extends ElevenLabsError {
  override readonly name = 'ElevenLabsRateLimitError';
  readonly retryable = true;
}

/** 5xx (and 408) on an endpoint where repeating the request is safe. */
export class ElevenLabsServerError extends ElevenLabsError {
  override readonly name = 'ElevenLabsServerError';
  readonly retryable = true;
}

/** No usable response: connection refused, DNS failure, socket reset, truncated body. */
export class ElevenLabsNetworkError extends ElevenLabsError {
  override readonly name = 'ElevenLabsNetworkError';
  readonly retryable = true;
}

/** The client's per-request timeout elapsed. */
export class ElevenLabsTimeoutError extends ElevenLabsError {
  override readonly name = 'ElevenLabsTimeoutError';
  readonly retryable = true;
}

/** The caller's AbortSignal cancelled the request. */
export class ElevenLabsAbortedError extends ElevenLabsError {
  override readonly name = 'ElevenLabsAbortedError';
  readonly retryable = false;
}

/** 401 `invalid_api_key` and other authentication/authorisation refusals (401/403). */
export class ElevenLabsAuthError extends ElevenLabsError {
  override readonly name = 'ElevenLabsAuthError';
  readonly retryable = false;
}

/** 401 `quota_exceeded`: the account or key has no credits left. */
export class ElevenLabsQuotaExceededError extends ElevenLabsError {
  override readonly name = 'ElevenLabsQuotaExceededError';
  readonly retryable = false;
}

/** 400 `voice_limit_reached`: no free custom-voice slot. */
export class ElevenLabsVoiceLimitReachedError extends ElevenLabsError {
  override readonly name = 'ElevenLabsVoiceLimitReachedError';
  readonly retryable = false;
}

/** 404 `voice_not_found` or any other missing resource. */
export class ElevenLabsNotFoundError extends ElevenLabsError {
  override readonly name = 'ElevenLabsNotFoundError';
  readonly retryable = false;
}

/** 422 FastAPI validation error (array `detail`), or a request this client refuses to build. */
export class ElevenLabsValidationError extends ElevenLabsError {
  override readonly name = 'ElevenLabsValidationError';
  readonly retryable = false;
  readonly issues: ValidationIssue[];

  constructor(message: string, init: ElevenLabsErrorInit & { issues?: ValidationIssue[] } = {}) {
    super(message, init);
    this.issues = init.issues ?? [];
  }
}

/** Any other 4xx the API rejected (e.g. 400 with an unknown code, 409). */
export class ElevenLabsBadRequestError extends ElevenLabsError {
  override readonly name = 'ElevenLabsBadRequestError';
  readonly retryable = false;
}

/** A 2xx whose body does not match the documented response shape. */
export class ElevenLabsUnexpectedResponseError extends ElevenLabsError {
  override readonly name = 'ElevenLabsUnexpectedResponseError';
  readonly retryable = false;
}

export type OutcomeUnknownReason = 'timeout' | 'aborted' | 'network' | 'server_error' | 'invalid_response';

/**
 * An outbound-call POST may or may not have placed a call: it was (possibly) delivered, but no
 * trustworthy answer came back. Never retry blindly: reconcile with listConversations(user_id).
 */
export class ElevenLabsOutcomeUnknownError extends ElevenLabsError {
  override readonly name = 'ElevenLabsOutcomeUnknownError';
  readonly retryable = false;
  readonly reason: OutcomeUnknownReason;

  constructor(message: string, init: ElevenLabsErrorInit & { reason: OutcomeUnknownReason }) {
    super(message, init);
    this.reason = init.reason;
  }
}

/** Class names that must never be retried; pass to Temporal's `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_ELEVENLABS_ERROR_TYPES: string[] = [
  'ElevenLabsAbortedError',
  'ElevenLabsAuthError',
  'ElevenLabsQuotaExceededError',
  'ElevenLabsVoiceLimitReachedError',
  'ElevenLabsNotFoundError',
  'ElevenLabsValidationError',
  'ElevenLabsBadRequestError',
  'ElevenLabsUnexpectedResponseError',
  'ElevenLabsOutcomeUnknownError',
];

export function isElevenLabsError(error: unknown): error is ElevenLabsError {
  return error instanceof ElevenLabsError;
}
