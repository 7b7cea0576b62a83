import { ELEVENLABS_FAILURES, NON_RETRYABLE_FAILURE_TYPES } from '../../../src/contracts/failures';
import { errorFromResponse, parseErrorBody, parseRetryAfterMs } from '../../../src/integrations/elevenlabs/error-mapping';
import { ElevenLabsError, elevenLabsError, type ElevenLabsFailureKind, isElevenLabsError } from '../../../src/integrations/elevenlabs/errors';

const detail = (status: string, message: string): string => JSON.stringify({ detail: { status, message } });
const map = (status: number, body: string, headers: Record<string, string> = {}): ElevenLabsError =>
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
    [429, detail('too_many_concurrent_requests', 'Too many concurrent requests.'), 'rateLimit', true],
    [429, detail('system_busy', 'busy'), 'rateLimit', true],
    [503, detail('system_busy', 'busy'), 'rateLimit', true],
    [500, detail('something_went_wrong', 'You are not charged for this request.'), 'server', true],
    [502, '<html>Bad Gateway</html>', 'server', true],
    [401, detail('invalid_api_key', 'Invalid API key'), 'auth', false],
    [401, detail('quota_exceeded', 'This request exceeds your quota of 10000.'), 'quotaExceeded', false],
    [400, detail('voice_limit_reached', 'You have reached your maximum amount of custom voices (10 / 10).'), 'voiceLimitReached', false],
    [404, detail('voice_not_found', 'A voice with the voice_id foo was not found.'), 'notFound', false],
    [400, detail('voice_not_found', 'listed under 400 in the docs'), 'notFound', false],
    [422, JSON.stringify({ detail: [{ loc: ['body', 'name'], msg: 'Field required', type: 'missing' }] }), 'validation', false],
    [403, detail('permission_denied', 'nope'), 'auth', false],
    [404, '{"detail":"Not Found"}', 'notFound', false],
    [400, detail('max_character_limit_exceeded', 'too long'), 'badRequest', false],
  ] as const)('%i %s → %s', (status, body, kind, retryable) => {
    const error = map(status, body);
    expect(isElevenLabsError(error, kind)).toBe(true);
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.name).toBe(ELEVENLABS_FAILURES[kind].type);
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
    expect(isElevenLabsError(error, 'validation')).toBe(true);
    expect(error.issues).toEqual([{ loc: ['body', 'files'], msg: 'Field required', type: 'missing' }]);
  });
});

describe('ElevenLabsError', () => {
  const kinds = Object.keys(ELEVENLABS_FAILURES) as ElevenLabsFailureKind[];

  it('takes name and retryability from ELEVENLABS_FAILURES for every kind', () => {
    for (const kind of kinds) {
      const error = elevenLabsError(kind, 'x', { status: 500, code: 'c', apiMessage: 'm', retryAfterMs: 5 });
      expect(error).toBeInstanceOf(ElevenLabsError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(ELEVENLABS_FAILURES[kind].type);
      expect(error.retryable).toBe(ELEVENLABS_FAILURES[kind].retryable);
      expect(error).toMatchObject({ kind, status: 500, code: 'c', apiMessage: 'm', retryAfterMs: 5, issues: [] });
      expect(String(error)).toBe(`${ELEVENLABS_FAILURES[kind].type}: x`);
    }
  });

  it('every non-retryable kind is in NON_RETRYABLE_FAILURE_TYPES, and no retryable one', () => {
    for (const kind of kinds) {
      expect(NON_RETRYABLE_FAILURE_TYPES.includes(elevenLabsError(kind, 'x').name)).toBe(!ELEVENLABS_FAILURES[kind].retryable);
    }
  });

  it('isElevenLabsError checks the family and, when asked, the kind', () => {
    const limited = elevenLabsError('rateLimit', 'slow down');
    expect(isElevenLabsError(limited)).toBe(true);
    expect(isElevenLabsError(limited, 'rateLimit')).toBe(true);
    expect(isElevenLabsError(limited, 'server')).toBe(false);
    expect(isElevenLabsError(new Error('x'))).toBe(false);
    expect(isElevenLabsError(Object.assign(new Error('x'), { name: 'ElevenLabsRateLimitError' }), 'rateLimit')).toBe(false);
    const cause = new Error('root');
    expect(elevenLabsError('network', 'down', { cause }).cause).toBe(cause);
  });
});
