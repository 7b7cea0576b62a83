import { parsePostCallWebhook, PostCallPayloadError, postCallUserId } from '../../../src/integrations/elevenlabs/postcall-payload';

const transcription = {
  type: 'post_call_transcription',
  event_timestamp: 1739537297,
  data: {
    agent_id: 'agent_1',
    conversation_id: 'conv_1',
    status: 'done',
    user_id: 'call_1',
    transcript: [{ role: 'agent', message: 'Hi', time_in_call_secs: 0, tool_calls: null, feedback: null, brand_new_field: 1 }],
    metadata: { start_time_unix_secs: 1739537200, call_duration_secs: 22, cost: 296, termination_reason: 'end_call tool', phone_call: { type: 'sip_trunking', call_sid: 'x' } },
    analysis: { call_successful: 'success', transcript_summary: 'ok', call_summary_title: 'Call', data_collection_results: {} },
    conversation_initiation_client_data: { dynamic_variables: { caller_name: 'Ana' }, user_id: 'call_1' },
    has_audio: true,
    has_user_audio: true,
    has_response_audio: true,
  },
};

describe('parsePostCallWebhook', () => {
  it('parses post_call_transcription from a raw Buffer, keeping unknown fields', () => {
    const event = parsePostCallWebhook(Buffer.from(JSON.stringify(transcription)));
    expect(event.kind).toBe('post_call_transcription');
    if (event.kind !== 'post_call_transcription') throw new Error('unreachable');
    expect(event.eventTimestamp).toBe(1739537297);
    expect(event.data.transcript?.[0]).toHaveProperty('brand_new_field', 1);
    expect(postCallUserId(event)).toBe('call_1');
  });

  it('falls back to conversation_initiation_client_data.user_id and tolerates an excluded transcript', () => {
    const { user_id: _drop, transcript: _t, ...rest } = transcription.data;
    const event = parsePostCallWebhook({ ...transcription, data: rest });
    expect(postCallUserId(event)).toBe('call_1');
  });

  it('parses call_initiation_failure', () => {
    const event = parsePostCallWebhook(
      JSON.stringify({
        type: 'call_initiation_failure',
        event_timestamp: 1739537300,
        data: { agent_id: 'agent_1', conversation_id: 'conv_2', failure_reason: 'busy', metadata: { type: 'twilio', body: { CallSid: 'CA1' } } },
      }),
    );
    expect(event).toMatchObject({ kind: 'call_initiation_failure', data: { failure_reason: 'busy', conversation_id: 'conv_2' } });
    expect(postCallUserId(event)).toBeNull();
  });

  it('reports unknown types instead of failing', () => {
    expect(parsePostCallWebhook({ type: 'voice_removal_notice', event_timestamp: 1, data: { voice_id: 'v' } })).toEqual({
      kind: 'unknown',
      type: 'voice_removal_notice',
      eventTimestamp: 1,
      data: { voice_id: 'v' },
    });
  });

  it.each([
    ['not json', 'not json at all'],
    ['missing envelope fields', { data: {} }],
    ['known type, broken data', { type: 'post_call_transcription', event_timestamp: 1, data: { conversation_id: 'c' } }],
  ])('throws PostCallPayloadError: %s', (_label, body) => {
    expect(() => parsePostCallWebhook(body)).toThrow(PostCallPayloadError);
  });
});
