import { z } from 'zod';

/**
 * Server → client messages of the Agents WebSocket that a phone bridge acts on
 * [ELD `fern/apis/convai/asyncapi.yml`, `conversational-ai/pages/api-reference/websocket.mdx`].
 * Others (vad_score, agent_response_correction, internal_tentative_agent_response,
 * client_tool_call, …) and anything malformed read as null.
 */
export type AgentServerMessage =
  | { type: 'conversation_initiation_metadata'; conversationId: string; agentOutputAudioFormat: string | null; userInputAudioFormat: string | null }
  | { type: 'audio'; audio: Buffer; eventId: number | null }
  | { type: 'interruption'; eventId: number | null }
  | { type: 'agent_response'; text: string }
  | { type: 'user_transcript'; text: string }
  | { type: 'ping'; eventId: number; pingMs: number | null };

const eventId = z.number().int().nullish();

const metadataSchema = z.looseObject({
  conversation_initiation_metadata_event: z.looseObject({
    conversation_id: z.string().min(1),
    agent_output_audio_format: z.string().nullish(),
    user_input_audio_format: z.string().nullish(),
  }),
});
const audioSchema = z.looseObject({ audio_event: z.looseObject({ audio_base_64: z.string(), event_id: eventId }) });
// websocket.mdx shows `interruption_event.reason`, the asyncapi `interruption_event.event_id`.
const interruptionSchema = z.looseObject({ interruption_event: z.looseObject({ event_id: eventId }).nullish() });
const agentResponseSchema = z.looseObject({ agent_response_event: z.looseObject({ agent_response: z.string() }) });
const userTranscriptSchema = z.looseObject({ user_transcription_event: z.looseObject({ user_transcript: z.string() }) });
const pingSchema = z.looseObject({ ping_event: z.looseObject({ event_id: z.number().int(), ping_ms: z.number().nullish() }) });

export function parseAgentServerMessage(text: string): AgentServerMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || !('type' in json)) return null;
  switch (json.type) {
    case 'conversation_initiation_metadata': {
      const m = metadataSchema.safeParse(json);
      if (!m.success) return null;
      const event = m.data.conversation_initiation_metadata_event;
      return {
        type: 'conversation_initiation_metadata',
        conversationId: event.conversation_id,
        agentOutputAudioFormat: event.agent_output_audio_format ?? null,
        userInputAudioFormat: event.user_input_audio_format ?? null,
      };
    }
    case 'audio': {
      const m = audioSchema.safeParse(json);
      return m.success ? { type: 'audio', audio: Buffer.from(m.data.audio_event.audio_base_64, 'base64'), eventId: m.data.audio_event.event_id ?? null } : null;
    }
    case 'interruption': {
      const m = interruptionSchema.safeParse(json);
      return m.success ? { type: 'interruption', eventId: m.data.interruption_event?.event_id ?? null } : null;
    }
    case 'agent_response': {
      const m = agentResponseSchema.safeParse(json);
      return m.success ? { type: 'agent_response', text: m.data.agent_response_event.agent_response } : null;
    }
    case 'user_transcript': {
      const m = userTranscriptSchema.safeParse(json);
      return m.success ? { type: 'user_transcript', text: m.data.user_transcription_event.user_transcript } : null;
    }
    case 'ping': {
      const m = pingSchema.safeParse(json);
      return m.success ? { type: 'ping', eventId: m.data.ping_event.event_id, pingMs: m.data.ping_event.ping_ms ?? null } : null;
    }
    default:
      return null;
  }
}
