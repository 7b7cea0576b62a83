import { types } from 'node:util';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const CENSOR = '[redacted]';

/**
 * Keys are compared lower-cased without `-` and `_`, so `callerId`, `caller_id` and `Caller-ID`
 * are one key. Phone numbers are masked (still correlatable), secrets replaced outright.
 */
const PHONE_KEYS = new Set(['caller', 'callerid', 'tonumber', 'fromnumber', 'phone', 'phonenumber', 'callednumber']);
const SECRET_KEY_ENDINGS = ['authorization', 'cookie', 'apikey', 'secret', 'secretaccesskey', 'privatekey', 'token', 'password', 'passwd', 'signature'];

// `scheme://user:password@host`: the password may contain a raw `@`, so match up to the last one.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]*):([^\s/?#]*)@/gi;
// Presigned URLs and API keys passed as query parameters (`X-Amz-Signature=`, `api_key=`, `token=`).
const SECRET_QUERY_PARAMS = /([?&][\w.-]*(?:token|signature|secret|credential|password|api[_-]?key)[\w.-]*=)[^&\s#"']*/gi;

// Deep enough for `{ req: { headers: { authorization } } }`, bounded so a cyclic object cannot loop.
const MAX_DEPTH = 6;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function isSecretKey(normalized: string): boolean {
  return SECRET_KEY_ENDINGS.some((ending) => normalized.endsWith(ending));
}

/** `postgresql://app:s3cret@db/x` → `postgresql://app:[redacted]@db/x`; also secret query parameters. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  return text.replace(URL_CREDENTIALS, (_match, scheme: string, user: string) => `${scheme}${user}:${CENSOR}@`).replace(SECRET_QUERY_PARAMS, `$1${CENSOR}`);
}

/** `+4915112345678` → `+49151*****678`: enough to correlate, not enough to call. */
export function maskPhoneNumber(value: string | null | undefined): string {
  if (!value) return '';
  if (value.length <= 6) return '*'.repeat(value.length);
  return `${value.slice(0, 6)}${'*'.repeat(Math.max(1, value.length - 9))}${value.slice(-3)}`;
}

// A number inside free text (a workflow id, an error message, a file name): 7–15 digits, with or
// without its plus, not part of a longer word such as a hex id.
const PHONE_IN_TEXT = /(?<!\w)\+?\d{7,15}(?!\w)/g;

/** `clone-+4930123456 failed` → `clone-+49301**456 failed`. */
export function maskPhoneNumbersInText(text: string): string {
  return text.replace(PHONE_IN_TEXT, (number) => maskPhoneNumber(number));
}

/**
 * For text we did not write (the Temporal SDK's messages, ids and errors): URL credentials
 * redacted and anything that looks like a phone number masked, in every string at any depth up to
 * MAX_DEPTH. Errors become plain objects (type, message, stack and their own fields) first.
 */
export function sanitizeForeignText(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhoneNumbersInText(redactUrlCredentials(value));
  // isNativeError, not instanceof: errors thrown in another realm (vm contexts, Jest) count too.
  if (types.isNativeError(value)) return sanitizeForeignText(pino.stdSerializers.err(value), depth);
  // Any prototype: the SDK's objects may come from another realm, where the plain-object check fails.
  return mapObject(value, depth, (v) => sanitizeForeignText(v, depth + 1), true);
}

function looksLikePhoneNumber(text: string): boolean {
  return (text.match(/\d/g)?.length ?? 0) >= 5;
}

/** A phone field may hold a string, a number or a structure such as `{ raw, e164, kind }`. */
function maskPhoneValue(value: unknown, depth: number, nested = false): unknown {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    return !nested || looksLikePhoneNumber(text) ? maskPhoneNumber(text) : value;
  }
  return mapObject(value, depth, (v) => maskPhoneValue(v, depth + 1, true));
}

/** Applies `fn` to each entry of an array or plain object; copies only when something changed. */
function mapObject(value: unknown, depth: number, fn: (v: unknown, key: string) => unknown, anyPrototype = false): unknown {
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    let out: unknown[] | undefined;
    items.forEach((item, i) => {
      const next = fn(item, String(i));
      if (next !== item) (out ??= [...items])[i] = next;
    });
    return out ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  // Dates, Buffers and class instances are left to their own serialization.
  if (!anyPrototype && proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next = fn(item, key);
    if (next !== item) (out ??= { ...value })[key] = next;
  }
  return out ?? value;
}

/** Masks phone fields, removes secrets and URL credentials, at any depth up to MAX_DEPTH. Never mutates. */
export function sanitizeLogValue(value: unknown, key?: string, depth = 0, anyPrototype = false): unknown {
  if (key !== undefined) {
    const normalized = normalizeKey(key);
    if (isSecretKey(normalized)) return value === undefined || value === null || value === '' ? value : CENSOR;
    if (PHONE_KEYS.has(normalized)) return maskPhoneValue(value, depth);
  }
  if (typeof value === 'string') return redactUrlCredentials(value);
  return mapObject(value, depth, (v, k) => sanitizeLogValue(v, Array.isArray(value) ? undefined : k, depth + 1), anyPrototype);
}

function sanitizeObject<T extends object>(object: T): T {
  return sanitizeLogValue(object) as T;
}

/**
 * JSON logs without phone numbers or secrets: every logged object, child binding, error and
 * message passes through sanitizeLogValue. `destination` defaults to stdout (tests pass a stream).
 */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: sanitizeObject({ service: 'voiceclone-precall', ...base }),
    formatters: { log: sanitizeObject },
    serializers: {
      // Serialized errors carry their own enumerable fields (e.g. a request config with headers).
      err: (err: unknown) => sanitizeLogValue(pino.stdSerializers.err(err as Error), undefined, 0, true),
      msg: (msg: unknown) => (typeof msg === 'string' ? redactUrlCredentials(msg) : msg),
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino serializes child bindings once, past formatters.log; children inherit this override.
  type ChildFn = (this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => Logger;
  const child = Reflect.get(logger, 'child') as unknown as ChildFn;
  const sanitizingChild: ChildFn = function (bindings, childOptions) {
    return child.call(this, sanitizeObject(bindings), childOptions);
  };
  logger.child = sanitizingChild as unknown as Logger['child'];
  return logger;
}
