import { THREECX_FAILURES } from '../../../contracts/failures';

export type ThreeCxFailureKind = keyof typeof THREECX_FAILURES;

export interface ThreeCxErrorInit {
  /** HTTP status, absent when no response arrived. */
  status?: number;
  /** The start of the response body, for logs. */
  bodyExcerpt?: string;
  method?: string;
  path?: string;
  cause?: unknown;
}

/** Base of the four 3CX failure classes; `name` is the Temporal failure type from THREECX_FAILURES. */
export abstract class ThreeCxError extends Error {
  abstract readonly kind: ThreeCxFailureKind;
  abstract readonly retryable: boolean;
  readonly status: number | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, init: ThreeCxErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.bodyExcerpt = init.bodyExcerpt;
    this.method = init.method;
    this.path = init.path;
  }
}

function failureClass<K extends ThreeCxFailureKind>(kind: K) {
  const { type, retryable } = THREECX_FAILURES[kind];
  return class extends ThreeCxError {
    override readonly name = type;
    readonly kind = kind;
    readonly retryable = retryable;
  };
}

export const ThreeCxAuthError = failureClass('auth');
export const ThreeCxParticipantGoneError = failureClass('participantGone');
export const ThreeCxUnavailableError = failureClass('unavailable');
export const ThreeCxBadRequestError = failureClass('badRequest');
export type ThreeCxAuthError = InstanceType<typeof ThreeCxAuthError>;
export type ThreeCxParticipantGoneError = InstanceType<typeof ThreeCxParticipantGoneError>;
export type ThreeCxUnavailableError = InstanceType<typeof ThreeCxUnavailableError>;
export type ThreeCxBadRequestError = InstanceType<typeof ThreeCxBadRequestError>;

const CLASSES = {
  auth: ThreeCxAuthError,
  participantGone: ThreeCxParticipantGoneError,
  unavailable: ThreeCxUnavailableError,
  badRequest: ThreeCxBadRequestError,
} satisfies Record<ThreeCxFailureKind, new (message: string, init?: ThreeCxErrorInit) => ThreeCxError>;

export function threeCxError(kind: ThreeCxFailureKind, message: string, init: ThreeCxErrorInit = {}): ThreeCxError {
  return new CLASSES[kind](message, init);
}

export function isThreeCxError(error: unknown, kind?: ThreeCxFailureKind): error is ThreeCxError {
  return error instanceof ThreeCxError && (kind === undefined || error.kind === kind);
}

const EXCERPT_CHARS = 300;

export function excerpt(body: string): string {
  return body.length > EXCERPT_CHARS ? `${body.slice(0, EXCERPT_CHARS)}…` : body;
}

/**
 * A non-2xx answer as one of our failures. 403 also means "not your leg" and 404 a stale id
 * [C-ESP], so both are "participant gone" on a participant path.
 */
export function errorForStatus(status: number, bodyText: string, method: string, path: string): ThreeCxError {
  const init = { status, bodyExcerpt: excerpt(bodyText), method, path };
  const where = `${method} ${path}`;
  if (status === 401) return new ThreeCxAuthError(`${where}: 401 with a freshly minted token`, init);
  if ((status === 403 || status === 404) && /\/participants\/[^/]+/.test(path)) {
    return new ThreeCxParticipantGoneError(`${where}: ${status}, the participant is gone`, init);
  }
  if (status === 403) return new ThreeCxAuthError(`${where}: 403 forbidden`, init);
  if (status >= 500 || status === 408 || status === 429) return new ThreeCxUnavailableError(`${where}: ${status}`, init);
  return new ThreeCxBadRequestError(`${where}: ${status}`, init);
}
