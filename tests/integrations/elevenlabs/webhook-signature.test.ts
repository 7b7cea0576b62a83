import { createHmac } from 'node:crypto';
import {
  assertElevenLabsSignature,
  ElevenLabsSignatureError,
  signElevenLabsPayload,
  verifyElevenLabsSignature,
} from '../../../src/integrations/elevenlabs/webhook-signature';

const secret = 'wsec_test_0123456789abcdef';
const rawBody = '{"type":"post_call_transcription","event_timestamp":1739537297,"data":{"conversation_id":"conv_1","transcript":[{"role":"agent","message":"Grüß Gott – 👋"}]}}';
const nowSec = 1_739_537_300;
const nowMs = nowSec * 1000;

describe('signElevenLabsPayload', () => {
  it('produces t=<seconds>,v0=<hex HMAC-SHA256 of "t.body">', () => {
    const header = signElevenLabsPayload(rawBody, secret, nowSec);
    const expected = createHmac('sha256', secret).update(`${nowSec}.${rawBody}`).digest('hex');
    expect(header).toBe(`t=${nowSec},v0=${expected}`);
  });

  it('signs Buffer and string forms of the same bytes identically', () => {
    expect(signElevenLabsPayload(Buffer.from(rawBody, 'utf8'), secret, nowSec)).toBe(signElevenLabsPayload(rawBody, secret, nowSec));
  });
});

describe('verifyElevenLabsSignature', () => {
  const header = signElevenLabsPayload(rawBody, secret, nowSec);

  it('accepts a valid signature over the raw string and the raw Buffer', () => {
    expect(verifyElevenLabsSignature({ rawBody, header, secret, nowMs })).toEqual({ ok: true, timestampSec: nowSec });
    expect(verifyElevenLabsSignature({ rawBody: Buffer.from(rawBody), header, secret, nowMs })).toEqual({ ok: true, timestampSec: nowSec });
  });

  it('rejects a tampered body, including re-serialised JSON of the same content', () => {
    const tampered = rawBody.replace('conv_1', 'conv_2');
    expect(verifyElevenLabsSignature({ rawBody: tampered, header, secret, nowMs })).toMatchObject({ ok: false, reason: 'mismatch' });
    const reserialised = JSON.stringify(JSON.parse(rawBody), null, 2);
    expect(verifyElevenLabsSignature({ rawBody: reserialised, header, secret, nowMs })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature made with another secret', () => {
    const other = signElevenLabsPayload(rawBody, 'another-secret', nowSec);
    expect(verifyElevenLabsSignature({ rawBody, header: other, secret, nowMs })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a timestamp more than 30 minutes old and accepts one exactly at the limit', () => {
    const old = nowSec - 30 * 60 - 1;
    expect(verifyElevenLabsSignature({ rawBody, header: signElevenLabsPayload(rawBody, secret, old), secret, nowMs })).toMatchObject({ ok: false, reason: 'stale' });
    const edge = nowSec - 30 * 60;
    expect(verifyElevenLabsSignature({ rawBody, header: signElevenLabsPayload(rawBody, secret, edge), secret, nowMs }).ok).toBe(true);
  });

  it('honours a custom tolerance', () => {
    const t = nowSec - 120;
    const h = signElevenLabsPayload(rawBody, secret, t);
    expect(verifyElevenLabsSignature({ rawBody, header: h, secret, nowMs, toleranceSec: 60 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(verifyElevenLabsSignature({ rawBody, header: h, secret, nowMs, toleranceSec: 300 }).ok).toBe(true);
  });

  it('accepts a timestamp in the future, as the docs and the official SDK do', () => {
    const future = nowSec + 3600;
    expect(verifyElevenLabsSignature({ rawBody, header: signElevenLabsPayload(rawBody, secret, future), secret, nowMs })).toEqual({ ok: true, timestampSec: future });
  });

  it('a tampered timestamp invalidates the signature', () => {
    const v0 = header.split(',')[1];
    expect(verifyElevenLabsSignature({ rawBody, header: `t=${nowSec - 5},${v0}`, secret, nowMs })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it.each([
    [undefined, 'missing_header'],
    [null, 'missing_header'],
    ['', 'missing_header'],
    ['   ', 'missing_header'],
    ['garbage', 'malformed_header'],
    [`v0=${'a'.repeat(64)}`, 'malformed_header'],
    [`t=${nowSec}`, 'malformed_header'],
    [`t=abc,v0=${'a'.repeat(64)}`, 'malformed_header'],
    [`t=${nowSec},v0=xyz`, 'malformed_header'],
    [`t=${nowSec},v0=${'a'.repeat(63)}`, 'malformed_header'],
    [`t=${nowSec},t=${nowSec},v0=${'a'.repeat(64)}`, 'malformed_header'],
    [`t=${nowSec},v1=${'a'.repeat(64)}`, 'malformed_header'],
    [`=${nowSec}`, 'malformed_header'],
  ])('header %p → %s', (h, reason) => {
    expect(verifyElevenLabsSignature({ rawBody, header: h, secret, nowMs })).toMatchObject({ ok: false, reason });
  });

  it('tolerates whitespace and accepts when any of several v0 entries matches (secret rotation)', () => {
    const good = header.split(',')[1] ?? '';
    const bad = `v0=${'0'.repeat(64)}`;
    expect(verifyElevenLabsSignature({ rawBody, header: `t=${nowSec}, ${bad}, ${good}`, secret, nowMs }).ok).toBe(true);
    expect(verifyElevenLabsSignature({ rawBody, header: `t=${nowSec},${bad},v0=${'1'.repeat(64)}`, secret, nowMs })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('accepts an upper-case hex digest and a header given as an array (as Node can deliver duplicates)', () => {
    const [t, v0] = header.split(',');
    expect(verifyElevenLabsSignature({ rawBody, header: `${t},${(v0 ?? '').toUpperCase().replace('V0=', 'v0=')}`, secret, nowMs }).ok).toBe(true);
    expect(verifyElevenLabsSignature({ rawBody, header: [t ?? '', v0 ?? ''], secret, nowMs }).ok).toBe(true);
  });

  it('refuses to verify with an empty secret', () => {
    expect(verifyElevenLabsSignature({ rawBody, header, secret: '', nowMs })).toMatchObject({ ok: false, reason: 'missing_secret' });
  });

  it('verifies over the exact bytes, even when they are not valid UTF-8', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const h = signElevenLabsPayload(bytes, secret, nowSec);
    expect(verifyElevenLabsSignature({ rawBody: bytes, header: h, secret, nowMs }).ok).toBe(true);
    expect(verifyElevenLabsSignature({ rawBody: bytes.toString('utf8'), header: h, secret, nowMs }).ok).toBe(false);
  });

  it('assertElevenLabsSignature throws a typed error carrying the reason', () => {
    expect(assertElevenLabsSignature({ rawBody, header, secret, nowMs })).toEqual({ timestampSec: nowSec });
    try {
      assertElevenLabsSignature({ rawBody: `${rawBody} `, header, secret, nowMs });
      throw new Error('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ElevenLabsSignatureError);
      expect((error as ElevenLabsSignatureError).reason).toBe('mismatch');
      expect((error as ElevenLabsSignatureError).name).toBe('ElevenLabsSignatureError');
    }
  });
});
