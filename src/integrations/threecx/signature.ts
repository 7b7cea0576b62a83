import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks `X-3CX-Signature`: hex HMAC-SHA256 of the raw body with the shared secret, optionally
 * prefixed `sha256=`. Constant-time.
 */
export function verifyThreeCxSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const given = header.trim().replace(/^sha256=/i, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

export function signThreeCxBody(rawBody: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
