import { agentSocketUrl } from '../../../src/integrations/elevenlabs/agent-socket';
import { agentWire } from './agent-wire';
import { expectElevenLabsError } from './helpers';
import { ORIGIN, useMockAgentClient } from './mock-agent-client';

describe('text-to-speech and agent settings at the HTTP boundary (undici MockAgent)', () => {
  const api = useMockAgentClient();

  describe('textToSpeech', () => {
    it('POSTs {text, model_id} with output_format in the query and returns the raw bytes', async () => {
      const pcm = Buffer.from([1, 0, 2, 0, 3, 0]);
      let sentBody: unknown;
      api.agent
        .get(ORIGIN)
        .intercept({
          path: '/v1/text-to-speech/voice%2F1?output_format=pcm_16000',
          method: 'POST',
          headers: { 'xi-api-key': 'secret-key', 'content-type': 'application/json' },
          body: (b) => {
            sentBody = JSON.parse(b);
            return true;
          },
        })
        .reply(200, pcm, { headers: { 'content-type': 'audio/pcm' } });
      const audio = await api.client.textToSpeech({ voiceId: 'voice/1', text: 'Hallo', outputFormat: 'pcm_16000', modelId: 'eleven_flash_v2_5' });
      expect(audio.equals(pcm)).toBe(true);
      expect(sentBody).toEqual({ text: 'Hallo', model_id: 'eleven_flash_v2_5' });
    });

    it('defaults to pcm_8000 and leaves model_id out unless given', async () => {
      let sentBody: unknown;
      api.agent
        .get(ORIGIN)
        .intercept({
          path: '/v1/text-to-speech/v1?output_format=pcm_8000',
          method: 'POST',
          body: (b) => {
            sentBody = JSON.parse(b);
            return true;
          },
        })
        .reply(200, Buffer.alloc(160), { headers: { 'content-type': 'audio/mpeg' } });
      expect((await api.client.textToSpeech({ voiceId: 'v1', text: 'Hi' })).length).toBe(160);
      expect(sentBody).toEqual({ text: 'Hi' });
    });

    it('a 200 without audio (empty, or JSON) is an unexpected response', async () => {
      api.agent.get(ORIGIN).intercept({ path: '/v1/text-to-speech/v1?output_format=pcm_8000', method: 'POST' }).reply(200, '');
      await expectElevenLabsError(api.client.textToSpeech({ voiceId: 'v1', text: 'Hi' }), 'unexpectedResponse');
      api.agent
        .get(ORIGIN)
        .intercept({ path: '/v1/text-to-speech/v1?output_format=pcm_8000', method: 'POST' })
        .reply(200, { status: 'ok' }, { headers: { 'content-type': 'application/json' } });
      const error = await expectElevenLabsError(api.client.textToSpeech({ voiceId: 'v1', text: 'Hi' }), 'unexpectedResponse');
      expect(error.apiMessage).toBe('{"status":"ok"}');
    });

    it('maps API errors like every other endpoint', async () => {
      api.agent
        .get(ORIGIN)
        .intercept({ path: '/v1/text-to-speech/gone?output_format=pcm_8000', method: 'POST' })
        .reply(404, { detail: { status: 'voice_not_found', message: 'A voice with the voice_id gone was not found.' } });
      expect(await expectElevenLabsError(api.client.textToSpeech({ voiceId: 'gone', text: 'Hi' }), 'notFound')).toMatchObject({ status: 404, code: 'voice_not_found' });
      api.agent
        .get(ORIGIN)
        .intercept({ path: '/v1/text-to-speech/v1?output_format=pcm_8000', method: 'POST' })
        .reply(400, { detail: { status: 'max_character_limit_exceeded', message: 'Text too long' } });
      await expectElevenLabsError(api.client.textToSpeech({ voiceId: 'v1', text: 'Hi' }), 'badRequest');
    });

    it('refuses empty text or voice before sending anything', async () => {
      const error = await expectElevenLabsError(api.client.textToSpeech({ voiceId: ' ', text: '' }), 'validation');
      expect(error.issues.map((i) => i.loc.join('.'))).toEqual(['params.voiceId', 'params.text']);
    });
  });

  describe('getAgent', () => {
    const intercept = () => api.agent.get(ORIGIN).intercept({ path: '/v1/convai/agents/agent_wire', method: 'GET', headers: { 'xi-api-key': 'secret-key' } });

    it('reads formats, overrides, the initiation webhook switch and the post-call webhook', async () => {
      intercept().reply(200, agentWire());
      const settings = await api.client.getAgent('agent_wire');
      expect(settings).toEqual({
        agentId: 'agent_wire',
        name: 'Pre-call agent',
        defaultVoiceId: 'cjVigY5qzO86Huf0OWal',
        firstMessage: 'Hello, how can I help?',
        userInputAudioFormat: 'pcm_8000',
        agentOutputAudioFormat: 'pcm_8000',
        overrides: { ttsVoiceId: true, firstMessage: true, language: false, prompt: false },
        initiationWebhookEnabled: true,
        postCallWebhookId: 'wh_1',
        raw: expect.objectContaining({ agent_id: 'agent_wire', tags: [] }),
      });
    });

    it('a misconfigured agent parses and shows what is wrong', async () => {
      intercept().reply(200, agentWire({ voiceOverride: false, webhookEnabled: false, inputFormat: 'pcm_16000', outputFormat: 'ulaw_8000', postCallWebhookId: null }));
      expect(await api.client.getAgent('agent_wire')).toMatchObject({
        userInputAudioFormat: 'pcm_16000',
        agentOutputAudioFormat: 'ulaw_8000',
        overrides: { ttsVoiceId: false, firstMessage: true },
        initiationWebhookEnabled: false,
        postCallWebhookId: null,
      });
    });

    it('is lenient: missing sections read as the spec defaults, odd types as "off"', async () => {
      intercept().reply(200, {
        agent_id: 'agent_wire',
        conversation_config: { tts: { voice_id: 42 }, agent: { first_message: '' } },
        platform_settings: { overrides: { conversation_config_override: { tts: { voice_id: 'yes' }, agent: null } }, workspace_overrides: 'n/a' },
        a_future_field: { x: 1 },
      });
      expect(await api.client.getAgent('agent_wire')).toMatchObject({
        name: '',
        defaultVoiceId: null,
        firstMessage: null,
        userInputAudioFormat: 'pcm_16000',
        agentOutputAudioFormat: 'pcm_16000',
        overrides: { ttsVoiceId: false, firstMessage: false, language: false, prompt: false },
        initiationWebhookEnabled: false,
        postCallWebhookId: null,
        raw: expect.objectContaining({ a_future_field: { x: 1 } }),
      });
    });

    it('an unknown agent is notFound; a body without agent_id is an unexpected response', async () => {
      intercept().reply(404, { detail: { status: 'agent_not_found', message: 'Agent not found' } });
      await expectElevenLabsError(api.client.getAgent('agent_wire'), 'notFound');
      intercept().reply(200, { name: 'no id' });
      await expectElevenLabsError(api.client.getAgent('agent_wire'), 'unexpectedResponse');
    });
  });

  it('getSignedUrl returns signed_url', async () => {
    api.agent
      .get(ORIGIN)
      .intercept({ path: '/v1/convai/conversation/get-signed-url?agent_id=agent_1', method: 'GET' })
      .reply(200, { signed_url: 'wss://api.elevenlabs.io/v1/convai/conversation?agent_id=agent_1&conversation_signature=abc' });
    await expect(api.client.getSignedUrl('agent_1')).resolves.toBe('wss://api.elevenlabs.io/v1/convai/conversation?agent_id=agent_1&conversation_signature=abc');
    api.agent.get(ORIGIN).intercept({ path: '/v1/convai/conversation/get-signed-url?agent_id=agent_1', method: 'GET' }).reply(200, { signed_url: '' });
    await expectElevenLabsError(api.client.getSignedUrl('agent_1'), 'unexpectedResponse');
  });

  it('agentSocketUrl turns the API base into the WebSocket URL', () => {
    expect(api.client.agentSocketUrl('agent 1')).toBe('wss://api.elevenlabs.test/v1/convai/conversation?agent_id=agent+1');
    expect(agentSocketUrl('http://127.0.0.1:8080/', 'a')).toBe('ws://127.0.0.1:8080/v1/convai/conversation?agent_id=a');
    expect(agentSocketUrl('https://proxy.example/el', 'a')).toBe('wss://proxy.example/el/v1/convai/conversation?agent_id=a');
  });
});
