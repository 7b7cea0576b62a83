// Server → client events of the Agents WebSocket, shaped as [ELD] fern/apis/convai/asyncapi.yml
// (components.schemas: ConversationInitiationMetadata, AudioResponse, AgentResponse, UserTranscript,
// Interruption, Ping).

export const serverEvents = {
  metadata: (conversationId: string, agentOutputAudioFormat: string, userInputAudioFormat: string) => ({
    type: 'conversation_initiation_metadata',
    conversation_initiation_metadata_event: {
      conversation_id: conversationId,
      agent_output_audio_format: agentOutputAudioFormat,
      user_input_audio_format: userInputAudioFormat,
    },
  }),
  audio: (chunk: Buffer, eventId: number) => ({ type: 'audio', audio_event: { audio_base_64: chunk.toString('base64'), event_id: eventId } }),
  agentResponse: (text: string) => ({ type: 'agent_response', agent_response_event: { agent_response: text } }),
  userTranscript: (text: string) => ({ type: 'user_transcript', user_transcription_event: { user_transcript: text } }),
  interruption: (eventId: number) => ({ type: 'interruption', interruption_event: { event_id: eventId } }),
  ping: (eventId: number, pingMs: number | null) => ({ type: 'ping', ping_event: pingMs === null ? { event_id: eventId } : { event_id: eventId, ping_ms: pingMs } }),
};

/** Client → server messages the sandbox acts on; the others (contextual_update, user_message, user_activity, client_tool_result) are accepted and ignored. */
export type ClientMessage =
  | { kind: 'init'; json: Record<string, unknown> }
  | { kind: 'audio'; bytes: Buffer }
  | { kind: 'pong'; eventId: number }
  | { kind: 'other'; type: string }
  | { kind: 'invalid' };

export function parseClientMessage(raw: string): ClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'invalid' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'invalid' };
  const msg = json as Record<string, unknown>;
  // [ELD asyncapi UserAudioChunk]: `{"user_audio_chunk": "<base64>"}`, no `type`.
  if (typeof msg.user_audio_chunk === 'string') return { kind: 'audio', bytes: Buffer.from(msg.user_audio_chunk, 'base64') };
  if (msg.type === 'conversation_initiation_client_data') return { kind: 'init', json: msg };
  if (msg.type === 'pong' && typeof msg.event_id === 'number') return { kind: 'pong', eventId: msg.event_id };
  return { kind: 'other', type: typeof msg.type === 'string' ? msg.type : '' };
}
