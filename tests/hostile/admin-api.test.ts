import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import path from 'node:path';
import fc from 'fast-check';
import { signThreeCxBody } from '../../src/integrations/threecx/signature';
import { eventually } from '../support/live-call';
import { expectWellFormed, json, refusedByHttpParser, rowCounts, runs, sendRaw, shown, sleep, workflowCount, type Answer } from '../support/hostile';
import { startTestStack, TEST_3CX_SECRET, type TestStack } from '../support/stack';
import { makeWav } from '../../scripts/sine-wav';

// Hostile input against the operator and admin API on the real stack: forged and almost-right
// bearer tokens, path parameters with traversal and broken percent-encoding, wrong-shape JSON and
// multipart bodies (prototype keys, NUL, unicode, oversized fields), odd content types, hostile
// query strings and bodies over the limits. Properties: never a 5xx; every 4xx is
// `{error: {code, message, details?}}`; a rejected request writes no row, stores no file and starts
// no workflow. Fixed seed (HOSTILE_SEED overrides it); fast-check prints seed and counterexample.
jest.setTimeout(60_000);

const TOKEN = 'hostile-admin-token-0123456789ab';
/** A caller with a valid sample already in storage: any bypass of the body checks would register it. */
const VALID_SAMPLE = 'imports/valid.wav';
const CALLERS = ['+4915112345678', '+4930123456', '004915111111111', '015122222222'];

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_API_TOKEN: TOKEN, VOICE_CLONE_MAX_SIZE_MB: '0.25' } });
  mkdirSync(path.join(stack.samplesDir, 'imports'), { recursive: true });
  writeFileSync(path.join(stack.samplesDir, VALID_SAMPLE), makeWav(4));
});
afterAll(async () => {
  await stack?.stop();
});

// --- HTTP ------------------------------------------------------------------------------------------

/** Raw HTTP against this suite's stack. */
const send = (method: string, urlPath: string, options: { headers?: OutgoingHttpHeaders; body?: Buffer; chunked?: boolean } = {}): Promise<Answer> =>
  sendRaw(stack.apiUrl, { method, path: urlPath, ...options });

const bearer = { authorization: `Bearer ${TOKEN}` };

// --- What was written, stored or started -----------------------------------------------------------

/** Every file under the voice-sample storage root. */
function storedFiles(): string[] {
  return readdirSync(stack.samplesDir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => statSync(path.join(stack.samplesDir, rel)).isFile())
    .sort();
}


/**
 * Every request of the property must leave no trace: rows and stored files are compared before and
 * after each run, workflows once visibility (eventually consistent) has caught up.
 */
async function assertNoTraceProperty<T>(arb: fc.Arbitrary<T>, numRuns: number, run: (input: T) => Promise<void>): Promise<void> {
  const workflowsBefore = await workflowCount(stack);
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      const [rows, files] = [await rowCounts(stack), storedFiles()];
      await run(input);
      expect(await rowCounts(stack)).toEqual(rows);
      expect(storedFiles()).toEqual(files);
    }),
    runs(numRuns),
  );
  for (const wait of [250, 250]) {
    await sleep(wait);
    expect(await workflowCount(stack)).toBe(workflowsBefore);
  }
}

// --- Routes and hostile parts ------------------------------------------------------------------------

interface Route {
  method: string;
  path: (param: string) => string;
  param: 'callerId' | 'callId' | null;
}
const ROUTES: Route[] = [
  { method: 'PUT', path: (p) => `/api/v1/callers/${p}/voice`, param: 'callerId' },
  { method: 'GET', path: (p) => `/api/v1/callers/${p}/voice`, param: 'callerId' },
  { method: 'DELETE', path: (p) => `/api/v1/callers/${p}/voice`, param: 'callerId' },
  { method: 'PUT', path: (p) => `/api/v1/callers/${p}/consent`, param: 'callerId' },
  { method: 'GET', path: (p) => `/api/v1/callers/${p}/consent`, param: 'callerId' },
  { method: 'GET', path: (p) => `/callers/${p}/calls`, param: 'callerId' },
  { method: 'GET', path: () => '/api/v1/statistics', param: null },
  { method: 'DELETE', path: (p) => `/api/v1/cache/${p}`, param: 'callerId' },
  { method: 'GET', path: (p) => `/api/clone-status/${p}`, param: 'callerId' },
  { method: 'GET', path: (p) => `/calls/${p}`, param: 'callId' },
  ...['cancel', 'use-default-voice', 'retry-clone', 'transfer-now'].map((action): Route => ({ method: 'POST', path: (p) => `/calls/${p}/${action}`, param: 'callId' })),
];
/** Withdrawing consent deletes a caller's stored sample: an accepted request leaves a trace by design. */
const WITHDRAW_CONSENT: Route = { method: 'DELETE', path: (p) => `/api/v1/callers/${p}/consent`, param: 'callerId' };
const route = fc.constantFrom(...ROUTES);
const authenticatedRoute = fc.constantFrom(...ROUTES, WITHDRAW_CONSENT);
const describeRoute = (r: Route) => `${r.method} ${r.path(`:${r.param ?? ''}`)}`;
for (const r of [...ROUTES, WITHDRAW_CONSENT]) Object.defineProperty(r, fc.toStringMethod, { value: () => describeRoute(r) });

const latin1 = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength });
const unicode = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });

/** Path segments (as they appear in the request line): traversal, broken percent-encoding, unicode, numbers, long. */
const hostileSegment = fc.oneof(
  fc.constantFrom(
    '..', '...', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%252e%252e%252f', '..%5C..%5Cwindows', '%c0%ae%c0%ae%c0%af',
    '%', '%%', '%zz', '%E0%A4%A', '%00', '%00%00%00', '%ff%fe', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%0d%0aSet-Cookie:%20x=1',
    'anonymous', '101', 'Ext.101', '%2B', '+', '++49', '%2B%2B4915112345678', '%20%2B4915112345678%20', 'null', 'undefined', '__proto__', 'constructor',
    '%2Fetc%2Fpasswd', 'call-', 'call-..', 'call-a-', 'call-acme.3cx.eu-1', 'call-ACME-1', 'call-acme.3cx.eu-1%00', 'clone-%2B4915112345678', 'call-x-%2F..%2F',
  ),
  unicode(30).map(encodeURIComponent),
  latin1(40).map((s) => s.replace(/[/?#%]/g, '')),
  fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map((n) => encodeURIComponent(String(n))),
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 300 }),
  fc.integer({ min: 65, max: 4000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom(...CALLERS).map(encodeURIComponent),
);

// --- The counters work -------------------------------------------------------------------------------

describe('the counters used below see what an accepted request does', () => {
  test('a registration writes a row; a call starts workflows', async () => {
    const rows = await rowCounts(stack);
    const put = await send('PUT', `/api/v1/callers/${encodeURIComponent(CALLERS[1]!)}/voice`, {
      body: json({ voice_sample_url: VALID_SAMPLE }),
      headers: { ...bearer, 'content-type': 'application/json' },
    });
    expect(put.status).toBe(201);
    expect((await rowCounts(stack)).caller_voice_mapping).toBe(rows.caller_voice_mapping! + 1);

    const calls = () => workflowCount(stack, "WorkflowType = 'callWorkflow'");
    const before = await calls();
    const body = JSON.stringify({ event_type: 'IncomingCall', call_id: 'admin-control', caller_id: '+4915199999999', timestamp: new Date().toISOString(), pbx: 'hostile.3cx.eu' });
    const started = await send('POST', '/webhook/3cx', { body: Buffer.from(body), headers: { 'content-type': 'application/json', 'x-3cx-signature': signThreeCxBody(body, TEST_3CX_SECRET) } });
    expect(started.status).toBe(202);
    expect(await eventually(calls, (n) => n === before + 1, 5000)).toBe(before + 1);
    // Announced by a webhook, the call waits for its caller on the route point; none will come.
    await stack.env.client.workflow.getHandle(started.json.workflow_id).terminate('control call of the hostile suite');
  });
});

// --- Authentication ----------------------------------------------------------------------------------

const flipChar = (s: string, at: number, to: string) => `${s.slice(0, at)}${to === s[at] ? (to === 'x' ? 'y' : 'x') : to}${s.slice(at + 1)}`;

/** Headers (and a query string) that do not carry the token as `Authorization: Bearer <token>`. */
const forgedAuth: fc.Arbitrary<{ headers: OutgoingHttpHeaders; query: string }> = fc.oneof(
  fc.constant({ headers: {}, query: '' }),
  latin1(80).map((s) => ({ headers: { authorization: `Bearer ${s}` }, query: '' })),
  latin1(80).map((s) => ({ headers: { authorization: s }, query: '' })),
  fc.tuple(fc.integer({ min: 0, max: TOKEN.length - 1 }), latin1(1).filter((c) => c.length === 1)).map(([at, c]) => ({ headers: { authorization: `Bearer ${flipChar(TOKEN, at, c)}` }, query: '' })),
  fc.integer({ min: 0, max: TOKEN.length - 1 }).map((n) => ({ headers: { authorization: `Bearer ${TOKEN.slice(0, n)}` }, query: '' })),
  fc.integer({ min: 1, max: TOKEN.length - 1 }).map((n) => ({ headers: { authorization: `Bearer ${TOKEN.slice(n)}` }, query: '' })),
  latin1(8).filter((s) => s.length > 0).map((extra) => ({ headers: { authorization: `Bearer ${TOKEN}${extra}` }, query: '' })),
  fc.constantFrom(
    `Bearer ${TOKEN.toUpperCase()}`, `Basic ${Buffer.from(TOKEN).toString('base64')}`, `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, `Token ${TOKEN}`, TOKEN,
    'Bearer', 'Bearer ', `Bearer${TOKEN}`, `Bearer ${TOKEN}, Bearer ${TOKEN}`, `Bearer "${TOKEN}"`, `Bearer ${Buffer.from(TOKEN).toString('base64')}`, `Digest ${TOKEN}`,
  ).map((authorization) => ({ headers: { authorization }, query: '' })),
  fc.constantFrom<[OutgoingHttpHeaders, string]>(
    [{}, `?token=${TOKEN}`],
    [{}, `?access_token=${TOKEN}`],
    [{ 'x-api-key': TOKEN }, ''],
    [{ 'x-admin-token': TOKEN }, ''],
    [{ cookie: `token=${TOKEN}; access_token=${TOKEN}` }, ''],
    [{ 'proxy-authorization': `Bearer ${TOKEN}` }, ''],
    // Node keeps the first of repeated Authorization headers: a forged one first must lose.
    [{ authorization: [`Bearer ${'z'.repeat(TOKEN.length)}`, `Bearer ${TOKEN}`] } as unknown as OutgoingHttpHeaders, ''],
  ).map(([headers, query]) => ({ headers, query })),
);

describe('authentication of every operator and admin route', () => {
  test('no, wrong or almost-right bearer tokens → 401 unauthorized, whatever the path, body or method; no trace', async () => {
    await assertNoTraceProperty(
      fc.record({ route: authenticatedRoute, param: hostileSegment, auth: forgedAuth, body: fc.option(fc.jsonValue({ maxDepth: 2 }).map(json), { nil: undefined }) }),
      200,
      async ({ route: r, param, auth, body }) => {
        const url = `${r.path(param)}${auth.query}`;
        const res = await send(r.method, url, { headers: { ...auth.headers, 'content-type': 'application/json' }, ...(body ? { body } : {}) });
        expectWellFormed(res, `${r.method} ${url}`, url);
        if (!refusedByHttpParser(res, url)) expect(res).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
      },
    );
  });
});

// --- Path parameters ---------------------------------------------------------------------------------

describe('path parameters', () => {
  test('traversal, broken percent-encoding, unicode, numbers and long ids in :callerId / :callId → never 5xx, 4xx well-formed, no trace', async () => {
    const body = fc.option(
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }).map(json),
        fc.constant(json({ voice_sample_url: '../../etc/passwd' })),
        fc.uint8Array({ maxLength: 512 }).map((a) => shown(Buffer.from(a))),
      ),
      { nil: undefined },
    );
    const type = fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', undefined);
    await assertNoTraceProperty(fc.record({ route, param: hostileSegment, body, type }), 200, async ({ route: r, param, body: b, type: t }) => {
      const res = await send(r.method, r.path(param), { headers: { ...bearer, ...(t ? { 'content-type': t } : {}) }, ...(b ? { body: b } : {}) });
      expectWellFormed(res, `${r.method} ${r.path(param)}`, r.path(param));
      expect([200, 204, 400, 404, 405, 413, 415, 422]).toContain(res.status);
      if (res.status === 200) expect(r.method === 'GET' || r.path(param).startsWith('/api/v1/cache/')).toBe(true);
    });
  });

  test('a malformed percent-encoding is a 400 naming the parameter; traversal never leaves the route', async () => {
    for (const bad of ['%', '%E0%A4%A', '%zz']) {
      const res = await send('GET', `/api/v1/callers/${bad}/voice`, { headers: bearer });
      expect(res).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('decode param') } } });
    }
    // `..` segments are resolved by no one: the route is not matched (404), never a file.
    for (const p of ['/api/v1/callers/../../../etc/passwd/voice', '/api/v1/cache/..%2F..%2F']) {
      const res = await send('GET', p, { headers: bearer });
      expectWellFormed(res, p);
      expect([400, 404, 405]).toContain(res.status);
    }
  });
});

// --- PUT /api/v1/callers/:callerId/voice -------------------------------------------------------------

const caller = fc.constantFrom(...CALLERS).map(encodeURIComponent);

/** voice_sample_url values that must never be read: outside the root, other schemes, NUL, too long. */
const hostileSampleUrl = fc.oneof(
  fc.constantFrom(
    '../../etc/passwd', '/etc/passwd', 'file:///etc/passwd', 'file://evil.example/share/x.wav', 'file:///%2e%2e/%2e%2e/etc/passwd', `imports/../../${VALID_SAMPLE}`,
    'imports/%2e%2e/valid.wav', 'imports\\valid.wav', `${VALID_SAMPLE}\u0000.txt`, 'http://169.254.169.254/latest/meta-data/', 'https://example.com/x.wav',
    'gopher://127.0.0.1:5432/', 's3://bucket/key.wav', 'S3://../x', '~/.ssh/id_rsa', 'C:\\Windows\\win.ini', '//server/share', 'data:audio/wav;base64,UklGRg==', '', ' ', '.', '/',
  ),
  fc.integer({ min: 2049, max: 4000 }).map((n) => `imports/${'a'.repeat(n)}.wav`),
  unicode(40).map((s) => `imports/${s}.wav`),
);

/** JSON bodies that are wrong whatever the storage holds, some around the valid sample's path. */
const wrongJsonBody = fc.oneof(
  fc.json({ maxDepth: 3 }).map((text) => shown(Buffer.from(text))),
  fc.jsonValue({ maxDepth: 3 }).map(json),
  fc.object({ maxDepth: 2 }).map(json),
  fc.anything({ maxDepth: 2, withNullPrototype: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true }).map(json),
  hostileSampleUrl.map((voice_sample_url) => json({ voice_sample_url })),
  fc
    .constantFrom<Record<string, unknown>>(
      { voice_sample_url: 42 },
      { voice_sample_url: null },
      { voice_sample_url: [VALID_SAMPLE] },
      { voice_sample_url: { href: VALID_SAMPLE } },
      { voice_sample_url: true },
      { voice_sample_url: VALID_SAMPLE, voice_name: '' },
      { voice_sample_url: VALID_SAMPLE, voice_name: 12 },
      { voice_sample_url: VALID_SAMPLE, voice_name: 'x'.repeat(256) },
      { voice_sample_url: VALID_SAMPLE, voice_name: 'Jane\u0000Doe' },
      { voice_sample_url: VALID_SAMPLE, description: 'd'.repeat(5001) },
      { voice_sample_url: VALID_SAMPLE, description: 'a\u0000b' },
      { voice_sample_url: VALID_SAMPLE, account_id: '' },
      { voice_sample_url: VALID_SAMPLE, account_id: 7 },
      { voice_sample_url: VALID_SAMPLE, account_id: 'a'.repeat(256) },
      { voice_sample_url: VALID_SAMPLE, colour: 'blue' },
      { voice_sample_url: VALID_SAMPLE, caller_id: '+4915100000000' },
      { voice_sample_url: VALID_SAMPLE, extra: { a: [[[[[1]]]]] } },
    )
    .map(json),
  fc
    .constantFrom(
      `{"__proto__":{"voice_sample_url":"${VALID_SAMPLE}"}}`,
      `{"constructor":{"prototype":{"voice_sample_url":"${VALID_SAMPLE}"}}}`,
      `{"voice_sample_url":"${VALID_SAMPLE}","__proto__":{"polluted":"yes"}}`,
      `{"voice_sample_url":"${VALID_SAMPLE}","constructor":{"prototype":{"polluted":"yes"}}}`,
      `{"voice_sample_url":"${VALID_SAMPLE}","voice_sample_url":"../../etc/passwd"}`,
      `{"voice_sample_url":"${VALID_SAMPLE}","x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      `{"voice_sample_url":"${VALID_SAMPLE}"`,
      `{"voice_sample_url":"${VALID_SAMPLE}"}{"x":1}`,
      `["${VALID_SAMPLE}"]`,
      `"${VALID_SAMPLE}"`,
      '',
      'null',
    )
    .map((s) => shown(Buffer.from(s))),
  fc.uint8Array({ maxLength: 1024 }).map((a) => shown(Buffer.from(a))),
  fc.tuple(fc.constantFrom([0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf]), fc.constantFrom('voice_name', 'description', 'account_id')).map(([bad, field]) =>
    shown(Buffer.concat([Buffer.from(`{"voice_sample_url":"${VALID_SAMPLE}","${field}":"x`), Buffer.from(bad), Buffer.from('\u0000"}')])),
  ),
);

describe('PUT /api/v1/callers/:callerId/voice', () => {
  test('wrong-shape JSON, prototype keys, hostile sample URLs, NUL, broken UTF-8, any content type → 400/413/415/422, no trace', async () => {
    const type = fc.constantFrom(
      'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1',
      'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data', 'multipart/form-data; boundary=x', undefined,
    );
    await assertNoTraceProperty(fc.record({ who: caller, body: wrongJsonBody, type }), 200, async ({ who, body, type: t }) => {
      const res = await send('PUT', `/api/v1/callers/${who}/voice`, { headers: { ...bearer, ...(t ? { 'content-type': t } : {}) }, body });
      expectWellFormed(res, `PUT /api/v1/callers/${who}/voice`);
      expect([400, 413, 415, 422]).toContain(res.status);
    });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  test('multipart with a valid WAV but a bad field (NUL, too long, unknown or prototype names, a second file, a text file part) → 400 before anything is stored', async () => {
    const text = fc.oneof(unicode(30), fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replaceAll('\u0000', '')));
    const nul = fc.tuple(text, text).map(([a, b]) => `${a}\u0000${b}`);
    const bad = fc.oneof(
      fc.tuple(fc.constantFrom('voice_name', 'description', 'account_id'), nul).map(([name, value]) => ({ name, value })),
      fc.tuple(fc.constantFrom<[string, number]>(['voice_name', 256], ['account_id', 256], ['description', 5001]), text).map(([[name, n], value]) => ({ name, value: `${value}${'v'.repeat(n)}` })),
      fc.tuple(fc.oneof(latin1(20), unicode(10), fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', 'FILE', 'file ', 'voice-name', '')), text)
        .filter(([name]) => !['file', 'voice_name', 'description', 'account_id', '__proto__'].includes(name))
        .map(([name, value]) => ({ name, value })),
      fc.constant({ name: 'file', value: makeWav(4) }),
    );
    const noise = fc.array(
      fc.oneof(
        fc.tuple(fc.constantFrom('voice_name', 'description', 'account_id'), text.filter((t) => t.trim() !== '')).map(([name, value]) => ({ name, value })),
        text.map((value) => ({ name: '__proto__', value })),
      ),
      { maxLength: 3 },
    );
    const wav = makeWav(4);
    await assertNoTraceProperty(fc.record({ who: caller, bad, noise, textFile: fc.boolean(), order: fc.boolean() }), 100, async ({ who, bad: b, noise: all, textFile, order }) => {
      const form = new FormData();
      // A later part of the same name replaces an earlier one: the noise never shadows the bad field.
      const n = all.filter((p) => p.name !== b.name);
      const parts = order ? [b, ...n] : [...n, b];
      if (textFile) form.append('file', 'not a file part: plain text');
      else form.append('file', new Blob([new Uint8Array(wav)]), 'sample.wav');
      for (const p of parts) {
        if (typeof p.value === 'string') form.append(p.name, p.value);
        else form.append(p.name, new Blob([new Uint8Array(p.value)]), 'second.wav');
      }
      const encoded = new Request('http://localhost/', { method: 'PUT', body: form });
      const res = await send('PUT', `/api/v1/callers/${who}/voice`, {
        headers: { ...bearer, 'content-type': encoded.headers.get('content-type')! },
        body: Buffer.from(await encoded.arrayBuffer()),
      });
      expectWellFormed(res, `PUT /api/v1/callers/${who}/voice (multipart)`);
      expect(res).toMatchObject({ status: 400, json: { error: { code: 'validation_failed' } } });
    });
  });

  test('multipart that is not audio, empty, truncated or framed wrong → 4xx, no trace', async () => {
    const boundary = '----hostileBoundary7MA4YWxk';
    const part = (name: string, bytes: Buffer, file: boolean) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="x.wav"' : ''}\r\n\r\n`, 'latin1'), bytes, Buffer.from('\r\n')]);
    const wav = makeWav(4);
    const framed = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.concat([part('file', Buffer.from(a), true), Buffer.from(`--${boundary}--\r\n`)])),
      fc.integer({ min: 0, max: 200 }).map((n) => Buffer.concat([part('file', wav, true), Buffer.from(`--${boundary}--\r\n`)]).subarray(0, n + 50)),
      fc.constant(Buffer.from(`--${boundary}--\r\n`)),
      fc.constant(Buffer.concat([part('file', Buffer.alloc(0), true), Buffer.from(`--${boundary}--\r\n`)])),
      fc.constant(Buffer.concat([part('file', wav.subarray(0, 100), true), Buffer.from(`--${boundary}--\r\n`)])),
      fc.constant(Buffer.concat([part('file', wav, true)])),
      fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
    );
    const type = fc.constantFrom(`multipart/form-data; boundary=${boundary}`, 'multipart/form-data; boundary=other', 'multipart/form-data', 'multipart/form-data; boundary=""', 'multipart/mixed; boundary=x');
    await assertNoTraceProperty(fc.record({ who: caller, body: framed.map(shown), type }), 100, async ({ who, body, type: t }) => {
      const res = await send('PUT', `/api/v1/callers/${who}/voice`, { headers: { ...bearer, 'content-type': t }, body });
      expectWellFormed(res, `PUT /api/v1/callers/${who}/voice (${t})`);
      expect([400, 415, 422]).toContain(res.status);
    });
  });

  test('bodies over the upload limit (multipart) or 16 KiB (JSON) → 413, declared or chunked; no trace', async () => {
    const uploadLimit = stack.config.clone.maxSizeBytes + 64 * 1024;
    await assertNoTraceProperty(
      fc.record({ who: caller, multipart: fc.boolean(), over: fc.integer({ min: 1, max: 256 * 1024 }), chunked: fc.boolean() }),
      30,
      async ({ who, multipart, over, chunked }) => {
        const limit = multipart ? uploadLimit : 16 * 1024;
        const body = Buffer.alloc(limit + over, multipart ? 'a' : ' ');
        const res = await send('PUT', `/api/v1/callers/${who}/voice`, {
          headers: { ...bearer, 'content-type': multipart ? 'multipart/form-data; boundary=x' : 'application/json' },
          body,
          chunked,
        });
        expectWellFormed(res, `PUT (${body.length} bytes)`);
        expect(res).toMatchObject({ status: 413, json: { error: { code: 'payload_too_large' } } });
      },
    );
  });
});

// --- PUT/DELETE /api/v1/callers/:callerId/consent ----------------------------------------------------

/** Consent bodies that are wrong whatever is recorded: shapes, types, lengths, NUL, dates, prototype keys. */
const wrongConsentBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map(json),
  fc.object({ maxDepth: 2 }).map(json),
  fc
    .constantFrom<Record<string, unknown>>(
      {},
      { method: 'written' },
      { recorded_by: 'desk' },
      { method: 42, recorded_by: 'desk' },
      { method: null, recorded_by: 'desk' },
      { method: ['written'], recorded_by: 'desk' },
      { method: '', recorded_by: 'desk' },
      { method: '   ', recorded_by: 'desk' },
      { method: 'm'.repeat(65), recorded_by: 'desk' },
      { method: 'writ\u0000ten', recorded_by: 'desk' },
      { method: 'written', recorded_by: 'd'.repeat(256) },
      { method: 'written', recorded_by: { name: 'desk' } },
      { method: 'written', recorded_by: 'desk', evidence: 'e'.repeat(2049) },
      { method: 'written', recorded_by: 'desk', evidence: 'a\u0000b' },
      { method: 'written', recorded_by: 'desk', evidence: 7 },
      { method: 'written', recorded_by: 'desk', given_at: 'yesterday' },
      { method: 'written', recorded_by: 'desk', given_at: '2020-01-01' },
      { method: 'written', recorded_by: 'desk', given_at: '2020-02-30T00:00:00Z' },
      { method: 'written', recorded_by: 'desk', given_at: '9999-12-31T23:59:59Z' },
      { method: 'written', recorded_by: 'desk', given_at: '0000-01-01T00:00:00Z' },
      { method: 'written', recorded_by: 'desk', given_at: '1999-12-31T23:59:59+00:00' },
      { method: 'written', recorded_by: 'desk', given_at: 1_700_000_000 },
      { method: 'written', recorded_by: 'desk', withdrawn_at: null },
      { method: 'written', recorded_by: 'desk', caller_id: '+4915100000000' },
    )
    .map(json),
  fc
    .constantFrom(
      '{"__proto__":{"method":"written","recorded_by":"desk"}}',
      '{"constructor":{"prototype":{"method":"written","recorded_by":"desk"}}}',
      '{"method":"written","recorded_by":"desk","__proto__":{"polluted":"yes"}}',
      '{"method":"written","recorded_by":"desk","method":""}',
      `{"method":"written","recorded_by":"desk","x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      '{"method":"written","recorded_by":"desk"',
      '',
      'null',
    )
    .map((text) => shown(Buffer.from(text))),
  fc.uint8Array({ maxLength: 1024 }).map((a) => shown(Buffer.from(a))),
);

describe('consent', () => {
  test('PUT with wrong-shape JSON, prototype keys, bad dates, NUL or any content type → 400/413/415, no trace', async () => {
    const type = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined);
    await assertNoTraceProperty(fc.record({ who: caller, body: wrongConsentBody, type }), 200, async ({ who, body, type: t }) => {
      const res = await send('PUT', `/api/v1/callers/${who}/consent`, { headers: { ...bearer, ...(t ? { 'content-type': t } : {}) }, body });
      expectWellFormed(res, `PUT /api/v1/callers/${who}/consent`);
      expect([400, 413, 415]).toContain(res.status);
    });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  test('DELETE with a bad withdrawn_by (empty, too long, NUL, repeated) → 400 before anything is withdrawn', async () => {
    const bad = fc.oneof(
      fc.constantFrom('withdrawn_by=', `withdrawn_by=${'w'.repeat(256)}`, 'withdrawn_by=a%00b', 'withdrawn_by=a&withdrawn_by=b', 'withdrawn_by=%20%20'),
      fc.tuple(unicode(10), unicode(10)).map(([a, b]) => `withdrawn_by=${encodeURIComponent(a)}&withdrawn_by=${encodeURIComponent(b)}`),
    );
    await assertNoTraceProperty(fc.record({ who: caller, query: bad }), 50, async ({ who, query }) => {
      const res = await send('DELETE', `/api/v1/callers/${who}/consent?${query}`, { headers: bearer });
      expectWellFormed(res, `DELETE /api/v1/callers/${who}/consent?${query}`);
      expect(res).toMatchObject({ status: 400, json: { error: { code: 'validation_failed' } } });
    });
  });
});

// --- Query strings -----------------------------------------------------------------------------------

describe('query strings', () => {
  const offset = fc.constantFrom('Z', '+00:00', '+14:00', '-12:00', '+23:59', '-23:59', '+05:45');
  const isoDate = fc
    .tuple(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), offset)
    .map(([d, o]) => d.toISOString().replace('Z', o));
  const junk = fc.oneof(unicode(20), latin1(20), fc.constantFrom('', ' ', 'now', 'yesterday', '2020-01-01', '2020-13-01T00:00:00Z', '2020-02-30T00:00:00Z', 'NaN', 'Infinity', '-1', '1e309', '0x10', '[]', '{}'));
  const number = fc.oneof(
    fc.integer().map(String),
    fc.double().map(String),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    fc.constantFrom('9007199254740991', '9007199254740992', '1e3', '1e21', '0x10', ' 5', '5 ', '+5', '', '-0', '010', '１'),
    junk,
  );
  const pair = (key: string, value: fc.Arbitrary<string>) => value.map((v) => `${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  const query = (keys: [string, fc.Arbitrary<string>][]) =>
    fc
      .array(fc.oneof(...keys.map(([k, v]) => pair(k, v)), fc.tuple(latin1(10), junk).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`), fc.constantFrom('since[]=1', 'limit[$gt]=1', '__proto__[x]=1', 'constructor[prototype][polluted]=1', '&&', '=', 'limit', '%', '%E0%A4%A=1')), { maxLength: 4 })
      .map((parts) => `?${parts.join('&')}`);

  test('GET /api/v1/statistics?since&until and GET /callers/:callerId/calls?limit&offset → 200 or 400, never 5xx, no trace', async () => {
    const target = fc.oneof(
      query([
        ['since', fc.oneof(isoDate, junk)],
        ['until', fc.oneof(isoDate, junk)],
      ]).map((q) => `/api/v1/statistics${q}`),
      fc.tuple(caller, query([['limit', number], ['offset', number]])).map(([who, q]) => `/callers/${who}/calls${q}`),
    );
    await assertNoTraceProperty(target, 200, async (url) => {
      const res = await send('GET', url, { headers: bearer });
      expectWellFormed(res, `GET ${url}`);
      expect([200, 400]).toContain(res.status);
    });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
