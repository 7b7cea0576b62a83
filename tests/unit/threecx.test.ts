import { normalizeCallerNumber } from '../../src/integrations/threecx/caller-number';
import { threeCxEventSchema } from '../../src/integrations/threecx/payload';
import { signThreeCxBody, verifyThreeCxSignature } from '../../src/integrations/threecx/signature';

describe('normalizeCallerNumber', () => {
  test.each([
    ['+493012345678', '+493012345678'],
    ['030 1234 5678', '+493012345678'],
    ['0151 12345678', '+4915112345678'],
    ['004915112345678', '+4915112345678'],
    ['4915112345678', '+4915112345678'],
    ['+1 (415) 555-0123', '+14155550123'],
  ])('%s → %s', (raw, e164) => {
    expect(normalizeCallerNumber(raw, 'DE')).toEqual({ raw, e164, kind: 'external' });
  });

  test.each(['anonymous', 'Anonymous', '', '  ', 'private', 'withheld'])('%j is withheld', (raw) => {
    expect(normalizeCallerNumber(raw, 'DE')).toEqual({ raw, e164: null, kind: 'withheld' });
  });

  test.each(['101', '02', 'Ext.101'])('%s is an internal extension', (raw) => {
    expect(normalizeCallerNumber(raw, 'DE').kind).toBe('internal');
  });

  test('garbage is invalid, never cloned', () => {
    expect(normalizeCallerNumber('call me maybe', 'DE')).toEqual({ raw: 'call me maybe', e164: null, kind: 'invalid' });
    expect(normalizeCallerNumber('+999999', 'DE').e164).toBeNull();
  });
});

describe('threeCxEventSchema', () => {
  const base = { event_type: 'IncomingCall', call_id: '1264', caller_id: '+49123456789', called_number: '+4930123456', timestamp: '2024-12-30T14:11:48Z', direction: 'In' };

  test('the seeds’ shape', () => {
    expect(threeCxEventSchema.parse(base)).toMatchObject({ event_type: 'IncomingCall', call_id: '1264', direction: 'In' });
  });

  test('raw 3CX names and forms are accepted', () => {
    const parsed = threeCxEventSchema.parse({ event_type: 'IncomingCall', callid: 1264, ani: '0123456789', did: '+4930123456', timestamp: '2024-12-30T14:11:48+01:00', direction: 'inbound', pbx: 'ACME.3cx.eu' });
    expect(parsed).toMatchObject({ call_id: '1264', caller_id: '0123456789', called_number: '+4930123456', direction: 'In', pbx: 'acme.3cx.eu' });
  });

  test.each([
    [{ ...base, event_type: 'Ringing' }, 'event_type'],
    [{ ...base, timestamp: '30/12/2024' }, 'timestamp'],
    [{ ...base, call_id: 'a b' }, 'call_id'],
    [{ ...base, duration: -1 }, 'duration'],
    [{ ...base, recording_url: 'not a url' }, 'recording_url'],
  ])('rejects %j naming %s', (body, field) => {
    const result = threeCxEventSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path[0]).toBe(field);
  });

  test.each(['javascript:alert(document.cookie)', 'file:///etc/passwd', 'data:text/html,<script>alert(1)</script>', 'ftp://pbx.example/rec.wav', 'vbscript:msgbox(1)'])(
    'recording_url %s is refused: only http and https',
    (url) => {
      const result = threeCxEventSchema.safeParse({ ...base, recording_url: url });
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((i) => [i.path[0], i.message])).toEqual([['recording_url', 'must be an http or https URL']]);
    },
  );

  test.each(['https://acme.3cx.eu/recordings/1264.wav', 'http://10.0.0.5:5000/rec?id=1264', 'HTTPS://ACME.3CX.EU/r.wav'])('recording_url %s is accepted', (url) => {
    expect(threeCxEventSchema.parse({ ...base, recording_url: url }).recording_url).toBe(url);
  });
});

describe('X-3CX-Signature', () => {
  const body = Buffer.from('{"event_type":"IncomingCall"}');
  test('valid with and without the sha256= prefix', () => {
    const sig = signThreeCxBody(body, 's3cret');
    expect(verifyThreeCxSignature(body, sig, 's3cret')).toBe(true);
    expect(verifyThreeCxSignature(body, sig.replace('sha256=', ''), 's3cret')).toBe(true);
    expect(verifyThreeCxSignature(body, sig.toUpperCase().replace('SHA256=', 'sha256='), 's3cret')).toBe(true);
  });
  test('tampered body, wrong secret, malformed or missing header → false', () => {
    const sig = signThreeCxBody(body, 's3cret');
    expect(verifyThreeCxSignature(Buffer.from('{"event_type":"CallEnded"}'), sig, 's3cret')).toBe(false);
    expect(verifyThreeCxSignature(body, sig, 'other')).toBe(false);
    expect(verifyThreeCxSignature(body, 'sha256=xyz', 's3cret')).toBe(false);
    expect(verifyThreeCxSignature(body, undefined, 's3cret')).toBe(false);
  });
});
