import { errorFromResponse, parseErrorBody, parseRetryAfterMs } from '../../../src/integrations/elevenlabs/error-mapping';
import * as errors from '../../../src/integrations/elevenlabs/errors';
import {
  ElevenLabsAuthError,
  ElevenLabsBadRequestError,
  ElevenLabsError,
  ElevenLabsNotFoundError,
  ElevenLabsQuotaExceededError,
  ElevenLabsRateLimitError,
  ElevenLabsServerError,
  ElevenLabsValidationError,
  ElevenLabsVoiceLimitReachedError,
  NON_RETRYABLE_ELEVENLABS_ERROR_TYPES,
} from '../../../src/integrations/elevenlabs/errors';

const detail = (status: string, message: string): string => JSON.stringify({ detail: { status, message } });
const map = (status: number, body: string, headers: Record<string, string> = {}): errors.ElevenLabsError =>
  errorFromResponse({ status, headers, bodyText: body, method: 'POST', path: '/v1/voices/add', nowMs: Date.parse('2026-01-01T00:00:00Z') });

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('parses delta-seconds', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
    expect(parseRetryAfterMs('1.5', now)).toBe(1500);
    expect(parseRetryAfterMs(['7', '9'], now)).toBe(7000);
  });
  it('parses an HTTP-date relative to now, clamping past dates to 0', () => {
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:12 GMT', now)).toBe(12_000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });
  it('ignores absent or invalid values', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-1', now)).toBeUndefined();
  });
});

describe('parseErrorBody', () => {
  it('reads the object detail shape', () => {
    expect(parseErrorBody(detail('voice_not_found', 'A voice with the voice_id foo was not found.'))).toEqual({
      code: 'voice_not_found',
      apiMessage: 'A voice with the voice_id foo was not found.',
      issues: undefined,
    });
  });
  it('reads the array (FastAPI validation) shape', () => {
    const parsed = parseErrorBody(JSON.stringify({ detail: [{ loc: ['body', 'files', 0], msg: 'File is empty', type: 'value_error' }] }));
    expect(parsed.code).toBeUndefined();
    expect(parsed.issues).toEqual([{ loc: ['body', 'files', 0], msg: 'File is empty', type: 'value_error' }]);
    expect(parsed.apiMessage).toBe('body.files.0: File is empty');
  });
  it('reads a plain string detail and non-JSON bodies', () => {
    expect(parseErrorBody('{"detail":"Not Found"}').apiMessage).toBe('Not Found');
    expect(parseErrorBody('<html>502 Bad Gateway</html>').apiMessage).toBe('<html>502 Bad Gateway</html>');
    expect(parseErrorBody('').apiMessage).toBeUndefined();
  });
});

describe('errorFromResponse', () => {
  it.each([
    [429, detail('too_many_concurrent_requests', 'Too many concurrent requests.'), ElevenLabsRateLimitError, true],
    [429, detail('system_busy', 'busy'), ElevenLabsRateLimitError, true],
    [503, detail('system_busy', 'busy'), ElevenLabsRateLimitError, true],
    [500, detail('something_went_wrong', 'You are not charged for this request.'), ElevenLabsServerError, true],
    [502, '<html>Bad Gateway</html>', ElevenLabsServerError, true],
    [401, detail('invalid_api_key', 'Invalid API key'), ElevenLabsAuthError, false],
    [401, detail('quota_exceeded', 'This request exceeds your quota of 10000.'), ElevenLabsQuotaExceededError, false],
    [400, detail('voice_limit_reached', 'You have reached your maximum amount of custom voices (10 / 10).'), ElevenLabsVoiceLimitReachedError, false],
    [404, detail('voice_not_found', 'A voice with the voice_id foo was not found.'), ElevenLabsNotFoundError, false],
    [400, detail('voice_not_found', 'listed under 400 in the docs'), ElevenLabsNotFoundError, false],
    [422, JSON.stringify({ detail: [{ loc: ['body', 'name'], msg: 'Field required', type: 'missing' }] }), ElevenLabsValidationError, false],
    [403, detail('permission_denied', 'nope'), ElevenLabsAuthError, false],
    [404, '{"detail":"Not Found"}', ElevenLabsNotFoundError, false],
    [400, detail('max_character_limit_exceeded', 'too long'), ElevenLabsBadRequestError, false],
  ] as const)('%i %s → %p', (status, body, ctor, retryable) => {
    const error = map(status, body);
    expect(error).toBeInstanceOf(ctor);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.name).toBe(ctor.name);
  });

  it('keeps the API code and message and honours Retry-After', () => {
    const error = map(429, detail('too_many_concurrent_requests', 'Too many concurrent requests. max 5'), { 'retry-after': '4' });
    expect(error.code).toBe('too_many_concurrent_requests');
    expect(error.apiMessage).toBe('Too many concurrent requests. max 5');
    expect(error.retryAfterMs).toBe(4000);
    expect(error.message).toContain('429 too_many_concurrent_requests: Too many concurrent requests. max 5');
    expect(error.method).toBe('POST');
    expect(error.path).toBe('/v1/voices/add');
  });

  it('exposes validation issues', () => {
    const error = map(422, JSON.stringify({ detail: [{ loc: ['body', 'files'], msg: 'Field required', type: 'missing' }] }));
    expect(error).toBeInstanceOf(ElevenLabsValidationError);
    expect((error as ElevenLabsValidationError).issues).toEqual([{ loc: ['body', 'files'], msg: 'Field required', type: 'missing' }]);
  });
});

describe('error classes', () => {
  type ErrorCtor = new (message: string, init: { reason: 'network' }) => ElevenLabsError;
  const classes = Object.values(errors as Record<string, unknown>).filter(
    (v): v is ErrorCtor => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof ElevenLabsError,
  );

  it('every class name equals its constructor name', () => {
    expect(classes.length).toBeGreaterThanOrEqual(13);
    for (const Ctor of classes) {
      const instance = new Ctor('x', { reason: 'network' });
      expect(instance.name).toBe(Ctor.name);
      expect(instance).toBeInstanceOf(Error);
    }
  });

  it('NON_RETRYABLE_ELEVENLABS_ERROR_TYPES is exactly the set of non-retryable classes', () => {
    const nonRetryable = classes.filter((Ctor) => !new Ctor('x', { reason: 'network' }).retryable).map((c) => c.name);
    expect([...NON_RETRYABLE_ELEVENLABS_ERROR_TYPES].sort()).toEqual(nonRetryable.sort());
    expect(NON_RETRYABLE_ELEVENLABS_ERROR_TYPES).toContain('ElevenLabsOutcomeUnknownError');
    expect(NON_RETRYABLE_ELEVENLABS_ERROR_TYPES).not.toContain('ElevenLabsRateLimitError');
  });
});
