import type { CallCompletedEvent } from '../contracts/call';
import { storableText } from '../db/storable';

// The one mapping from ElevenLabs' conversation data (post-call webhook or GET conversation) to
// what the call workflow is told: both paths must produce the same event.

/** Transcripts in the signal stay well under Temporal's 2 MB payload limit; post_call_events keeps the whole payload. */
const MAX_SIGNALLED_TRANSCRIPT_CHARS = 256 * 1024;

export interface ConversationOutcome {
  conversationId: string;
  status: string;
  durationSeconds: number | null;
  terminationReason: string | null;
  turns: { role: string; message?: string | null }[];
}

/** `role: message` lines, storable (PostgreSQL text columns refuse NUL) and capped for the signal. */
export function renderTranscript(turns: ConversationOutcome['turns']): string | null {
  const lines = turns.filter((t) => t.message).map((t) => storableText(`${t.role}: ${t.message}`));
  if (lines.length === 0) return null;
  const text = lines.join('\n');
  if (text.length <= MAX_SIGNALLED_TRANSCRIPT_CHARS) return text;
  return `${text.slice(0, MAX_SIGNALLED_TRANSCRIPT_CHARS)}\n[… truncated; the full transcript is in post_call_events]`;
}

export function completionFromConversation(c: ConversationOutcome): CallCompletedEvent {
  return {
    conversationId: c.conversationId,
    kind: 'post_call_transcription',
    status: c.status,
    durationSeconds: c.durationSeconds,
    transcript: renderTranscript(c.turns),
    failureReason: c.status === 'failed' ? storableText(c.terminationReason ?? 'failed') : null,
  };
}
