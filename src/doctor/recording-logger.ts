import pino from 'pino';
import type { Logger } from '../logger';

const KEPT = 10;

/**
 * A silent logger that keeps the last warnings: the Call Control client only logs why the event
 * socket was refused (and keeps retrying), so those lines are the reason a report can give. A
 * refusal with an HTTP status says more than the socket error that follows it.
 */
export function recordingLogger(): { logger: Logger; lastWarning: () => string | null } {
  const warnings: { text: string; hasStatus: boolean }[] = [];
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        warnings.push(describe(line));
        if (warnings.length > KEPT) warnings.shift();
      },
    },
  );
  const lastWarning = () => ([...warnings].reverse().find((w) => w.hasStatus) ?? warnings.at(-1))?.text ?? null;
  return { logger, lastWarning };
}

function describe(line: string): { text: string; hasStatus: boolean } {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; status?: unknown; err?: { message?: unknown } };
    const status = typeof entry.status === 'number' ? ` (HTTP ${entry.status})` : '';
    const cause = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : '';
    return { text: `${typeof entry.msg === 'string' ? entry.msg : 'warning'}${status}${cause}`, hasStatus: status !== '' };
  } catch {
    return { text: line.trim(), hasStatus: false };
  }
}
