import {
  buildConversationInitiation,
  buildConversationInitResponse,
  parseConversationInitRequest,
} from '../../../src/integrations/elevenlabs/conversation-init';

describe('buildConversationInitResponse', () => {
  it('carries both overrides, the dynamic variables and user_id', () => {
    expect(
      buildConversationInitResponse({ voiceId: 'clone1', firstMessage: 'Hi {{caller_name}}', dynamicVariables: { call_ref: 'r1', attempt: 2, vip: true }, userId: 'r1' }),
    ).toEqual({
      type: 'conversation_initiation_client_data',
      dynamic_variables: { call_ref: 'r1', attempt: 2, vip: true },
      conversation_config_override: { tts: { voice_id: 'clone1' }, agent: { first_message: 'Hi {{caller_name}}' } },
      user_id: 'r1',
    });
  });

  it('leaves out an override that is null or empty, and the whole override object when nothing is overridden', () => {
    expect(buildConversationInitResponse({ voiceId: 'clone1', firstMessage: null, dynamicVariables: {}, userId: 'u' }).conversation_config_override).toEqual({
      tts: { voice_id: 'clone1' },
    });
    expect(buildConversationInitResponse({ voiceId: '', firstMessage: 'Hello', dynamicVariables: {}, userId: 'u' }).conversation_config_override).toEqual({
      agent: { first_message: 'Hello' },
    });
    const plain = buildConversationInitResponse({ voiceId: null, firstMessage: null, dynamicVariables: { call_ref: 'r' }, userId: 'u' });
    expect(plain).toEqual({ type: 'conversation_initiation_client_data', dynamic_variables: { call_ref: 'r' }, user_id: 'u' });
    expect(JSON.stringify(plain)).not.toContain('conversation_config_override');
    expect(JSON.stringify(plain)).not.toMatch(/null|""/);
  });

  it('is the same message the WebSocket opens with, and copies the variables', () => {
    const variables = { a: 1 };
    const message = buildConversationInitiation({ voiceId: null, firstMessage: null, dynamicVariables: variables, userId: 'u' });
    variables.a = 2;
    expect(message.dynamic_variables).toEqual({ a: 1 });
    expect(buildConversationInitResponse).toBe(buildConversationInitiation);
  });
});

describe('parseConversationInitRequest', () => {
  it('reads the documented fields and keeps unknown ones', () => {
    expect(
      parseConversationInitRequest({ caller_id: '+4930123', agent_id: 'agent_1', called_number: '+4930999', call_sid: 'sip-abc', conversation_id: 'conv_1', extra: 1 }),
    ).toEqual({
      callerId: '+4930123',
      agentId: 'agent_1',
      calledNumber: '+4930999',
      callSid: 'sip-abc',
      conversationId: 'conv_1',
      raw: expect.objectContaining({ extra: 1 }),
    });
  });

  it('treats missing, empty, null and oddly typed fields as absent', () => {
    expect(parseConversationInitRequest({ caller_id: '', agent_id: null, called_number: 4930, call_sid: '  ' })).toMatchObject({
      callerId: null,
      agentId: null,
      calledNumber: null,
      callSid: null,
      conversationId: null,
    });
    expect(parseConversationInitRequest({})).toMatchObject({ callerId: null });
  });

  it('returns null for a body that is not an object', () => {
    expect(parseConversationInitRequest('caller_id=1')).toBeNull();
    expect(parseConversationInitRequest(null)).toBeNull();
    expect(parseConversationInitRequest([1])).toBeNull();
  });
});
