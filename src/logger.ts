import pino, { type Logger } from 'pino';

export type { Logger };

// Secrets never reach the logs, whatever object they ride in on.
const REDACT = [
  'apiKey',
  'secret',
  'token',
  'password',
  'authorization',
  '*.apiKey',
  '*.secret',
  '*.webhookSecret',
  '*.token',
  '*.password',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["xi-api-key"]',
  'req.headers["x-3cx-signature"]',
  'req.headers["elevenlabs-signature"]',
];

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'voiceclone-precall', ...base }, redact: { paths: REDACT, censor: '[redacted]' } });
}

/** `+4915112345678` → `+49151*****678`: enough to correlate, not enough to call. */
export function maskPhoneNumber(value: string | null | undefined): string {
  if (!value) return '';
  if (value.length <= 6) return '*'.repeat(value.length);
  return `${value.slice(0, 6)}${'*'.repeat(Math.max(1, value.length - 9))}${value.slice(-3)}`;
}
