import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { isThreeCxError } from '../integrations/threecx/call-control';

/** One line for a report: the client's message (which names method, path and status), plus 3CX's body. */
export function describeError(err: unknown): string {
  if (isThreeCxError(err) && err.bodyExcerpt) return `${err.message} (${err.bodyExcerpt})`;
  if (isElevenLabsError(err) || err instanceof Error) return err.message;
  return String(err);
}

/** A refused key or a key without the permission the call needs (ElevenLabs API keys can be scoped). */
export function isAuthFailure(err: unknown): boolean {
  return isElevenLabsError(err, 'auth');
}
