import { ELEVENLABS_FAILURES } from '../../contracts/failures';

export type ElevenLabsFailureKind = keyof typeof ELEVENLABS_FAILURES;
export type ElevenLabsFailureType = (typeof ELEVENLABS_FAILURES)[ElevenLabsFailureKind]['type'];

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
  /** FastAPI validation issues (422), or the reasons this client refused to build a request. */
  issues?: ValidationIssue[];
  cause?: unknown;
}

/**
 * A typed ElevenLabs failure, Temporal-free. `kind` and `retryable` come from ELEVENLABS_FAILURES;
 * `name` is the failure type there, because Temporal uses `error.name` as the failure type.
 */
export class ElevenLabsError<K extends ElevenLabsFailureKind = ElevenLabsFailureKind> extends Error {
  override readonly name: (typeof ELEVENLABS_FAILURES)[K]['type'];
  readonly kind: K;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly apiMessage: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** Empty unless `validation`. */
  readonly issues: ValidationIssue[];

  constructor(kind: K, message: string, init: ElevenLabsErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.name = ELEVENLABS_FAILURES[kind].type;
    this.retryable = ELEVENLABS_FAILURES[kind].retryable;
    this.status = init.status;
    this.code = init.code;
    this.apiMessage = init.apiMessage;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterMs = init.retryAfterMs;
    this.issues = init.issues ?? [];
  }
}

export function elevenLabsError<K extends ElevenLabsFailureKind>(kind: K, message: string, init: ElevenLabsErrorInit = {}): ElevenLabsError<K> {
  return new ElevenLabsError(kind, message, init);
}

/** Any ElevenLabs failure, or (with `kind`) one failure in particular. */
export function isElevenLabsError<K extends ElevenLabsFailureKind = ElevenLabsFailureKind>(error: unknown, kind?: K): error is ElevenLabsError<K> {
  return error instanceof ElevenLabsError && (kind === undefined || error.kind === kind);
}
