import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header name as sent by ElevenLabs; Node exposes it lower-cased. */
export const ELEVENLABS_SIGNATURE_HEADER = 'ElevenLabs-Signature';
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 30 * 60;

export type SignatureFailureReason = 'missing_header' | 'missing_secret' | 'malformed_header' | 'stale' | 'mismatch';

export type SignatureVerification =
  | { ok: true; timestampSec: number }
  | { ok: false; reason: SignatureFailureReason; message: string };

export interface VerifySignatureInput {
  /** The request body exactly as received (bytes or the undecoded string), never re-serialised JSON. */
  rawBody: Buffer | string;
  header: string | string[] | undefined | null;
  secret: string;
  nowMs?: number;
  /** Reject when `t` is more than this many seconds in the past. Future timestamps are accepted, as in the official SDK. */
  toleranceSec?: number;
}

export class ElevenLabsSignatureError extends Error {
  override readonly name = 'ElevenLabsSignatureError';

  constructor(
    readonly reason: SignatureFailureReason,
    message: string,
  ) {
    super(message);
  }
}

function hmacHex(rawBody: Buffer | string, secret: string, timestampSec: string): string {
  return createHmac('sha256', secret)
    .update(`${timestampSec}.`, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/** Returns the header value `t=<seconds>,v0=<hex>` for a payload, as ElevenLabs sends it. */
export function signElevenLabsPayload(rawBody: Buffer | string, secret: string, tSeconds: number): string {
  const t = String(Math.floor(tSeconds));
  return `t=${t},v0=${hmacHex(rawBody, secret, t)}`;
}

const fail = (reason: SignatureFailureReason, message: string): SignatureVerification => ({ ok: false, reason, message });

/**
 * Verifies `ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256 of "${t}.${rawBody}">`.
 * Several `v0=` entries are allowed (secret rotation): any one matching is enough.
 */
export function verifyElevenLabsSignature(input: VerifySignatureInput): SignatureVerification {
  const headerValue = Array.isArray(input.header) ? input.header.join(',') : input.header;
  if (headerValue === undefined || headerValue === null || headerValue.trim() === '') {
    return fail('missing_header', 'Missing ElevenLabs-Signature header');
  }
  if (input.secret === '') return fail('missing_secret', 'Webhook secret not configured');

  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of headerValue.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return fail('malformed_header', 'Signature header element without key=value');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) return fail('malformed_header', 'Signature header has more than one timestamp');
      timestamp = value;
    } else if (key === 'v0') {
      signatures.push(value);
    }
  }
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return fail('malformed_header', 'Signature header has no valid t=<unix seconds>');
  }
  if (signatures.length === 0) return fail('malformed_header', 'No signature hash found with expected scheme v0');
  if (signatures.some((s) => !/^[0-9a-fA-F]{64}$/.test(s))) {
    return fail('malformed_header', 'v0 signature is not a 64-character hex digest');
  }

  const timestampSec = Number(timestamp);
  const nowMs = input.nowMs ?? Date.now();
  const toleranceSec = input.toleranceSec ?? DEFAULT_SIGNATURE_TOLERANCE_SEC;
  if (timestampSec * 1000 < nowMs - toleranceSec * 1000) {
    return fail('stale', `Timestamp outside the tolerance zone (${toleranceSec} s)`);
  }

  const expected = Buffer.from(hmacHex(input.rawBody, input.secret, timestamp), 'hex');
  let matched = false;
  for (const candidate of signatures) {
    // Every candidate is compared, so the time taken does not depend on which one matches.
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) matched = true;
  }
  if (!matched) return fail('mismatch', 'Signature hash does not match the expected signature hash for payload');
  return { ok: true, timestampSec };
}

/** Throwing variant of verifyElevenLabsSignature. */
export function assertElevenLabsSignature(input: VerifySignatureInput): { timestampSec: number } {
  const result = verifyElevenLabsSignature(input);
  if (!result.ok) throw new ElevenLabsSignatureError(result.reason, result.message);
  return { timestampSec: result.timestampSec };
}
