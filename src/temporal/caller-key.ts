import { createHash } from 'node:crypto';

// Phone numbers are personal data: Temporal ids and search attributes carry a hash of them, never
// the number (workflow ids show up in logs, the Web UI and server metrics).

/** A stable, non-reversible key for a caller's E.164 number. */
export function callerKey(e164: string): string {
  return createHash('sha256').update(e164).digest('hex').slice(0, 16);
}

/** The caller's single-flight clone job. */
export function voiceCloneWorkflowId(callerE164: string): string {
  return `clone-${callerKey(callerE164)}`;
}
