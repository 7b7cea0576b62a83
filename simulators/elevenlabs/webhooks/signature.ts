import { createHmac } from 'node:crypto';

/**
 * `ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256 of "<t>.<raw body>">` with the webhook
 * secret as key ([ELD] snippets/webhook-hmac-authentication.mdx; elevenlabs-api.md §4.4).
 */
export function signWebhookBody(rawBody: string, secret: string, timestampSec: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSec}.${rawBody}`, 'utf8').digest('hex');
  return `t=${timestampSec},v0=${digest}`;
}
