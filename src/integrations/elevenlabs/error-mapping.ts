import { errorBodySchema } from './schemas';
import { type ElevenLabsError, elevenLabsError, type ElevenLabsErrorInit, type ElevenLabsFailureKind, type ValidationIssue } from './errors';

export type HeaderValue = string | string[] | undefined;

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds to
 * wait, or undefined when absent or unparseable. A date in the past yields 0.
 */
export function parseRetryAfterMs(value: HeaderValue, nowMs: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

export interface ParsedErrorBody {
  code: string | undefined;
  apiMessage: string | undefined;
  issues: ValidationIssue[] | undefined;
}

/** Accepts both `detail` shapes (object with status/message, array of validation issues) and a plain string. */
export function parseErrorBody(bodyText: string): ParsedErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    const snippet = bodyText.trim().slice(0, 500);
    return { code: undefined, apiMessage: snippet === '' ? undefined : snippet, issues: undefined };
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) {
    return { code: undefined, apiMessage: bodyText.slice(0, 500), issues: undefined };
  }
  const { detail } = parsed.data;
  if (typeof detail === 'string') return { code: undefined, apiMessage: detail, issues: undefined };
  if (Array.isArray(detail)) {
    const issues = detail.map((d) => ({ loc: d.loc, msg: d.msg, type: d.type }));
    const apiMessage = issues.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; ');
    return { code: undefined, apiMessage, issues };
  }
  return { code: detail.status, apiMessage: detail.message, issues: undefined };
}

export interface HttpFailure {
  status: number;
  headers: Record<string, HeaderValue>;
  bodyText: string;
  method: string;
  path: string;
  nowMs?: number;
}

const RATE_LIMIT_CODES = new Set(['too_many_concurrent_requests', 'system_busy', 'rate_limit_exceeded']);
const AUTH_CODES = new Set(['invalid_api_key', 'missing_permissions', 'permission_denied', 'needs_authorization']);

/** Maps a non-2xx response to a typed error. The API's code is checked before the HTTP status. */
export function errorFromResponse(failure: HttpFailure): ElevenLabsError {
  const { status, method, path } = failure;
  const { code, apiMessage, issues } = parseErrorBody(failure.bodyText);
  const init: ElevenLabsErrorInit = {
    status,
    code,
    apiMessage,
    method,
    path,
    retryAfterMs: parseRetryAfterMs(failure.headers['retry-after'], failure.nowMs),
  };
  const message = `ElevenLabs ${method} ${path} failed with ${status}${code ? ` ${code}` : ''}${apiMessage ? `: ${apiMessage}` : ''}`;

  const fail = (kind: ElevenLabsFailureKind): ElevenLabsError => elevenLabsError(kind, message, init);

  if (code === 'voice_limit_reached') return fail('voiceLimitReached');
  if (code === 'quota_exceeded') return fail('quotaExceeded');
  if (code !== undefined && AUTH_CODES.has(code)) return fail('auth');
  if (code === 'voice_not_found' || code?.endsWith('_not_found')) return fail('notFound');
  if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) return fail('rateLimit');
  if (status >= 500 || status === 408) return fail('server');
  if (status === 422 || issues !== undefined) return elevenLabsError('validation', message, { ...init, issues });
  if (status === 401 || status === 403) return fail('auth');
  if (status === 404) return fail('notFound');
  return fail('badRequest');
}
