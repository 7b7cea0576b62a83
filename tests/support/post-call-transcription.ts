export interface TranscriptTurn {
  role: string;
  message: string;
  time_in_call_secs: number;
}

export interface TranscriptionOptions {
  transcript: TranscriptTurn[];
  callDurationSecs?: number;
  /** Merged last into `data`: extra fields, or replacements for the ones above. */
  data?: Record<string, unknown>;
}

/** A post_call_transcription webhook body as ElevenLabs sends it, from agent_test, for a call that started 30 s ago. */
export function postCallTranscription(conversationId: unknown, userId: unknown, { transcript, callDurationSecs = 30, data = {} }: TranscriptionOptions): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    type: 'post_call_transcription',
    event_timestamp: now,
    data: {
      agent_id: 'agent_test',
      conversation_id: conversationId,
      status: 'done',
      user_id: userId,
      transcript,
      metadata: { start_time_unix_secs: now - 30, call_duration_secs: callDurationSecs },
      ...data,
    },
  };
}
