import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';
import { expectElevenLabsError } from './helpers';
import { ORIGIN, useMockAgentClient } from './mock-agent-client';

describe('ElevenLabsClient at the HTTP boundary (undici MockAgent)', () => {
  const api = useMockAgentClient();

  it('sends xi-api-key and tolerates unknown response fields', async () => {
    api.agent
      .get(ORIGIN)
      .intercept({ path: '/v1/user/subscription', method: 'GET', headers: { 'xi-api-key': 'secret-key', accept: 'application/json' } })
      .reply(200, {
        tier: 'pro',
        status: 'active',
        voice_slots_used: 7,
        voice_limit: 160,
        can_use_instant_voice_cloning: true,
        voice_add_edit_counter: 12,
        max_voice_add_edits: null,
        a_field_added_next_year: { nested: true },
      });
    const sub = await api.client.getSubscription();
    expect(sub).toMatchObject({ tier: 'pro', voiceSlotsUsed: 7, voiceLimit: 160, canUseInstantVoiceCloning: true, voiceAddEditCounter: 12, maxVoiceAddEdits: null });
    expect(sub.raw).toHaveProperty('a_field_added_next_year');
  });

  it('parses Retry-After given as an HTTP-date', async () => {
    const at = new Date(Date.now() + 10_000).toUTCString();
    api.agent
      .get(ORIGIN)
      .intercept({ path: '/v1/voices/abc', method: 'GET' })
      .reply(429, { detail: { status: 'too_many_concurrent_requests', message: 'Too many concurrent requests.' } }, { headers: { 'retry-after': at } });
    const error = await expectElevenLabsError(api.client.getVoice('abc'), 'rateLimit');
    expect(error.retryAfterMs).toBeGreaterThan(8_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it('a 2xx with the wrong shape is a non-retryable unexpected-response error', async () => {
    api.agent.get(ORIGIN).intercept({ path: '/v1/voices/abc', method: 'GET' }).reply(200, { voice_id: 'abc' });
    const error = await expectElevenLabsError(api.client.getVoice('abc'), 'unexpectedResponse');
    expect(error.retryable).toBe(false);
  });

  it('a transport error before any byte was written is a retryable network error', async () => {
    api.agent.get(ORIGIN).intercept({ path: '/v1/user/subscription', method: 'GET' }).replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const error = await expectElevenLabsError(api.client.getSubscription(), 'network');
    expect(error.code).toBe('ENOTFOUND');
  });

  it('builds the listConversations query from the spec parameter names', async () => {
    api.agent
      .get(ORIGIN)
      .intercept({ path: '/v1/convai/conversations', method: 'GET', query: { agent_id: 'agent_1', user_id: 'call_9', call_start_after_unix: '1700000000' } })
      .reply(200, { conversations: [], next_cursor: null, has_more: false });
    await expect(api.client.listConversations({ agentId: 'agent_1', userId: 'call_9', callStartAfterUnix: 1_700_000_000.7 })).resolves.toEqual({
      conversations: [],
      nextCursor: null,
      hasMore: false,
    });
  });

  it('close() leaves an injected dispatcher open', async () => {
    await api.client.close();
    api.agent.get(ORIGIN).intercept({ path: '/v1/user/subscription', method: 'GET' }).reply(200, {
      tier: 'free',
      status: 'free',
      voice_slots_used: 0,
      voice_limit: 3,
      can_use_instant_voice_cloning: false,
    });
    const again = new ElevenLabsClient({ baseUrl: ORIGIN, apiKey: 'k', dispatcher: api.agent });
    await expect(again.getSubscription()).resolves.toMatchObject({ canUseInstantVoiceCloning: false });
  });
});
