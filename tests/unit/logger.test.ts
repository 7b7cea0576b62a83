import { createLogger, maskPhoneNumber, redactUrlCredentials } from '../../src/logger';

/** A logger writing into an array: each entry one parsed JSON line. */
function capture(level = 'debug', base: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const log = createLogger(level, base, { write: (chunk: string) => void lines.push(chunk) });
  return { log, raw: () => lines.join(''), entries: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const NUMBER = '+4915112345678';
const MASKED = '+49151*****678';
const DB_URL = 'postgresql://voiceclone:pa55-w0rd@db.internal:5432/voiceclone?sslmode=require';

describe('maskPhoneNumber', () => {
  test('keeps the country and network prefix and the last three digits; masking twice changes nothing', () => {
    expect(maskPhoneNumber(NUMBER)).toBe(MASKED);
    expect(maskPhoneNumber(MASKED)).toBe(MASKED);
    expect(maskPhoneNumber('123')).toBe('***');
    expect(maskPhoneNumber(null)).toBe('');
  });
});

describe('createLogger masks phone numbers', () => {
  test('every phone field at top level and one level deep, whatever its spelling', () => {
    const { log, raw, entries } = capture();
    log.info(
      {
        caller: NUMBER,
        callerId: NUMBER,
        caller_id: NUMBER,
        to_number: NUMBER,
        toNumber: NUMBER,
        phone: NUMBER,
        calledNumber: '+4930123456',
        call: { caller_id: NUMBER, called_number: '+4930123456', toNumber: 4915112345678, durationSeconds: 31 },
        callerKind: 'external',
      },
      'incoming call',
    );
    const [line] = entries();
    expect(line).toMatchObject({
      caller: MASKED,
      callerId: MASKED,
      caller_id: MASKED,
      to_number: MASKED,
      toNumber: MASKED,
      phone: MASKED,
      calledNumber: '+49301**456',
      call: { caller_id: MASKED, called_number: '+49301**456', toNumber: '491511****678', durationSeconds: 31 },
      callerKind: 'external',
      msg: 'incoming call',
    });
    expect(raw()).not.toContain('12345678');
  });

  test('a structured caller keeps its kind but not its digits; the logged object is not changed', () => {
    const { log, entries } = capture();
    const input = { workflowId: 'call-acme.3cx.eu-1', caller: { raw: '004915112345678', e164: NUMBER, kind: 'external' } };
    log.info(input, 'call started');
    expect(entries()[0]).toMatchObject({ workflowId: 'call-acme.3cx.eu-1', caller: { raw: '004915******678', e164: MASKED, kind: 'external' } });
    expect(input.caller.e164).toBe(NUMBER);
  });

  test('child bindings are masked too', () => {
    const { log, raw } = capture();
    log.child({ callerId: NUMBER }).info('bound');
    expect(raw()).toContain(MASKED);
    expect(raw()).not.toContain(NUMBER);
  });
});

describe('createLogger redacts secrets', () => {
  test('secret fields at any depth, headers included, whatever their case', () => {
    const { log, raw, entries } = capture();
    log.warn(
      {
        apiKey: 'sk_live_1',
        secret: 'shh-2',
        token: 'tok-3',
        password: 'pw-4',
        webhookSecret: 'whsec_5',
        config: { elevenlabs: { apiKey: 'sk_live_6', webhookSecret: 'whsec_7' }, ADMIN_API_TOKEN: 'admin-8', AWS_SECRET_ACCESS_KEY: 'aws-9' },
        req: {
          method: 'POST',
          headers: {
            Authorization: 'Bearer admin-10',
            'xi-api-key': 'sk_live_11',
            'x-3cx-signature': 'sha256=abc12',
            'elevenlabs-signature': 't=1,v0=def13',
            'content-type': 'application/json',
          },
        },
        headers: [{ authorization: 'Basic xyz14' }],
        tokenCount: 42,
      },
      'outbound request',
    );
    const [line] = entries();
    expect(line).toMatchObject({
      apiKey: '[redacted]',
      secret: '[redacted]',
      token: '[redacted]',
      password: '[redacted]',
      webhookSecret: '[redacted]',
      config: { elevenlabs: { apiKey: '[redacted]', webhookSecret: '[redacted]' }, ADMIN_API_TOKEN: '[redacted]', AWS_SECRET_ACCESS_KEY: '[redacted]' },
      req: {
        method: 'POST',
        headers: {
          Authorization: '[redacted]',
          'xi-api-key': '[redacted]',
          'x-3cx-signature': '[redacted]',
          'elevenlabs-signature': '[redacted]',
          'content-type': 'application/json',
        },
      },
      headers: [{ authorization: '[redacted]' }],
      tokenCount: 42,
    });
    for (const secret of ['sk_live', 'shh-2', 'tok-3', 'pw-4', 'whsec', 'admin-', 'aws-9', 'abc12', 'def13', 'xyz14']) expect(raw()).not.toContain(secret);
  });

  test('the password of a DATABASE_URL, wherever the URL appears', () => {
    const { log, raw, entries } = capture();
    log.info({ DATABASE_URL: DB_URL, database: { url: DB_URL, pool: 10 } }, `connecting to ${DB_URL}`);
    log.error({ err: new Error(`connect ECONNREFUSED for ${DB_URL}`) }, 'database unreachable');
    log.child({ target: 'postgres://app:p@ss@10.0.0.5/x' }).info('with a raw @ in the password');
    const [first, second, third] = entries();
    const redacted = 'postgresql://voiceclone:[redacted]@db.internal:5432/voiceclone?sslmode=require';
    expect(first).toMatchObject({ DATABASE_URL: redacted, database: { url: redacted, pool: 10 }, msg: `connecting to ${redacted}` });
    expect(second!.err).toMatchObject({ type: 'Error', message: `connect ECONNREFUSED for ${redacted}` });
    expect(second!.err.stack).toContain(redacted);
    expect(third!.target).toBe('postgres://app:[redacted]@10.0.0.5/x');
    expect(raw()).not.toContain('pa55-w0rd');
    expect(raw()).not.toContain('p@ss');
  });

  test('an Error logged directly loses the password of a URL in its message', () => {
    const { log, raw } = capture();
    log.error(new Error(`cannot reach ${DB_URL}`));
    expect(raw()).toContain('voiceclone:[redacted]@db.internal');
    expect(raw()).not.toContain('pa55-w0rd');
  });

  test('secret query parameters of URLs (presigned S3 links, api keys)', () => {
    expect(redactUrlCredentials('https://bucket.s3.amazonaws.com/a.wav?X-Amz-Credential=AKIA1&X-Amz-Signature=f00d&x-id=GetObject')).toBe(
      'https://bucket.s3.amazonaws.com/a.wav?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&x-id=GetObject',
    );
    expect(redactUrlCredentials('GET /v1/x?api_key=sk_1&page=2')).toBe('GET /v1/x?api_key=[redacted]&page=2');
    expect(redactUrlCredentials('no secrets here: https://example.com/a?b=c')).toBe('no secrets here: https://example.com/a?b=c');
  });

  test('levels and base fields still work', () => {
    const { log, entries } = capture('info', { process: 'api' });
    log.debug('hidden');
    log.info({ n: 1 }, 'shown');
    expect(entries()).toEqual([expect.objectContaining({ level: 30, service: 'voiceclone-precall', process: 'api', n: 1, msg: 'shown' })]);
  });
});
