import pino from 'pino';
import type { Logger } from '../logger';

/**
 * A silent logger that keeps the last warning: the Call Control client only logs why the event
 * socket was refused (and keeps retrying), so that line is the reason a report can give.
 */
export function recordingLogger(): { logger: Logger; lastWarning: () => string | null } {
  let last: string | null = null;
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        try {
          const entry = JSON.parse(line) as { msg?: unknown; status?: unknown; err?: { message?: unknown } };
          const status = typeof entry.status === 'number' ? ` (HTTP ${entry.status})` : '';
          const cause = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : '';
          last = `${typeof entry.msg === 'string' ? entry.msg : 'warning'}${status}${cause}`;
        } catch {
          last = line.trim();
        }
      },
    },
  );
  return { logger, lastWarning: () => last };
}
