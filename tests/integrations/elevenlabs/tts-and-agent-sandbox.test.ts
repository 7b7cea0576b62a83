import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';
import { classifyFrames, toSegments } from '../../../simulators/audio';
import { DEFAULT_AGENT_ID, type ElevenLabsSandbox, RACHEL_VOICE_ID, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { expectElevenLabsError, makeWavSample } from './helpers';

const KEY = 'tts-agent-key';
/** pcm_8000: s16le mono, 16 bytes per ms; the sandbox speaks 60 ms per character. */
const PCM_8K_BYTES_PER_CHAR = 60 * 16;

describe('ElevenLabsClient against the sandbox: text-to-speech, agent settings, signed URLs', () => {
  let sandbox: ElevenLabsSandbox;
  let client: ElevenLabsClient;

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({ apiKey: KEY, apiLatencyMs: 1, ttsLatencyMs: 5, cloneLatencyMs: 5 });
    client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: KEY, requestTimeoutMs: 5_000 });
  });
  afterEach(() => sandbox.reset());
  afterAll(async () => {
    await client.close();
    await sandbox.close();
  });

  describe('textToSpeech', () => {
    it('returns raw pcm_8000 about 60 ms per character long, in the requested voice', async () => {
      const text = 'Thanks for holding, connecting you now.';
      const audio = await client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text });
      expect(audio.length % 2).toBe(0);
      expect(Math.abs(audio.length - text.length * PCM_8K_BYTES_PER_CHAR)).toBeLessThanOrEqual(0.05 * text.length * PCM_8K_BYTES_PER_CHAR);
      const voiced = toSegments(classifyFrames(audio, [RACHEL_VOICE_ID]))
        .filter((s) => s.label === 'voice' && s.voiceId === RACHEL_VOICE_ID)
        .reduce((ms, s) => ms + s.endMs - s.startMs, 0);
      expect(voiced).toBeGreaterThan(audio.length / 16 / 2);

      const record = sandbox.requests.find((r) => r.endpoint === 'tts');
      expect(record).toMatchObject({ method: 'POST', path: `/v1/text-to-speech/${RACHEL_VOICE_ID}`, query: { output_format: 'pcm_8000' }, json: { text } });
      expect(record?.responseBytes).toBe(audio.length);
    });

    it('other formats scale as their sample size and rate say; a model id is passed through', async () => {
      const text = 'One moment please';
      const pcm8 = await client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text });
      const pcm16 = await client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text, outputFormat: 'pcm_16000', modelId: 'eleven_flash_v2_5' });
      const ulaw = await client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text, outputFormat: 'ulaw_8000' });
      expect(pcm16.length).toBe(pcm8.length * 2);
      expect(ulaw.length).toBe(pcm8.length / 2);
      expect(sandbox.requests.find((r) => r.endpoint === 'tts' && r.query.output_format === 'pcm_16000')?.json).toEqual({ text, model_id: 'eleven_flash_v2_5' });
    });

    it('speaks in a fresh clone, and an unknown voice is notFound', async () => {
      const { voiceId } = await client.createVoiceClone({ name: 'Caller', samples: [makeWavSample()] });
      const audio = await client.textToSpeech({ voiceId, text: 'Hello from your own voice' });
      expect(classifyFrames(audio, [voiceId, RACHEL_VOICE_ID]).filter((l) => typeof l === 'object' && l.voice === voiceId).length).toBeGreaterThan(10);
      const error = await expectElevenLabsError(client.textToSpeech({ voiceId: 'noSuchVoice', text: 'x' }), 'notFound');
      expect(error).toMatchObject({ status: 404, code: 'voice_not_found' });
    });

    it('injected failures map like every other endpoint', async () => {
      sandbox.setFailure('tts', { kind: '429', times: 1, retryAfter: '1' });
      expect(await expectElevenLabsError(client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text: 'x' }), 'rateLimit')).toMatchObject({ retryable: true, retryAfterMs: 1000 });
      sandbox.setFailure('tts', { kind: '500', times: 1 });
      await expectElevenLabsError(client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text: 'x' }), 'server');
      sandbox.setFailure('tts', { kind: 'reset', times: 1 });
      await expectElevenLabsError(client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text: 'x' }), 'network');
      expect((await client.textToSpeech({ voiceId: RACHEL_VOICE_ID, text: 'x' })).length).toBeGreaterThan(0);
    });
  });

  describe('getAgent', () => {
    it('reads the default sandbox agent', async () => {
      expect(await client.getAgent(DEFAULT_AGENT_ID)).toEqual({
        agentId: DEFAULT_AGENT_ID,
        name: 'Sandbox agent',
        defaultVoiceId: RACHEL_VOICE_ID,
        firstMessage: 'Hello! How can I help you today?',
        userInputAudioFormat: 'pcm_16000',
        agentOutputAudioFormat: 'pcm_16000',
        overrides: { ttsVoiceId: true, firstMessage: true, language: true, prompt: true },
        initiationWebhookEnabled: true,
        postCallWebhookId: 'wh_sandbox_post_call',
        raw: expect.objectContaining({ agent_id: DEFAULT_AGENT_ID }),
      });
    });

    it('shows each misconfiguration of a badly set up agent', async () => {
      sandbox.configureAgent('agent_misconfigured', {
        firstMessage: '',
        userInputAudioFormat: 'pcm_16000',
        agentOutputAudioFormat: 'ulaw_8000',
        overrides: { voiceId: false, firstMessage: false, language: false, prompt: false },
        enableInitiationWebhook: false,
        postCallWebhookId: null,
      });
      expect(await client.getAgent('agent_misconfigured')).toMatchObject({
        firstMessage: null,
        userInputAudioFormat: 'pcm_16000',
        agentOutputAudioFormat: 'ulaw_8000',
        overrides: { ttsVoiceId: false, firstMessage: false, language: false, prompt: false },
        initiationWebhookEnabled: false,
        postCallWebhookId: null,
      });
    });

    it('an unknown agent is notFound', async () => {
      expect(await expectElevenLabsError(client.getAgent('agent_nope'), 'notFound')).toMatchObject({ status: 404 });
    });
  });

  describe('getSignedUrl', () => {
    it('returns a WebSocket URL for the agent carrying a signature', async () => {
      const url = new URL(await client.getSignedUrl(DEFAULT_AGENT_ID));
      expect(url.protocol).toBe('ws:');
      expect(url.pathname).toBe('/v1/convai/conversation');
      expect(url.searchParams.get('agent_id')).toBe(DEFAULT_AGENT_ID);
      expect(url.searchParams.get('conversation_signature')).toEqual(expect.any(String));
      expect(sandbox.requests.at(-1)).toMatchObject({ endpoint: 'signedUrl', query: { agent_id: DEFAULT_AGENT_ID }, apiKeyValid: true });
    });

    it('an unknown agent is notFound; a wrong key is auth', async () => {
      await expectElevenLabsError(client.getSignedUrl('agent_nope'), 'notFound');
      const wrong = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: 'nope' });
      try {
        await expectElevenLabsError(wrong.getSignedUrl(DEFAULT_AGENT_ID), 'auth');
      } finally {
        await wrong.close();
      }
    });
  });

  it('agentSocketUrl points at the sandbox WebSocket', () => {
    expect(client.agentSocketUrl('a 1')).toBe(`${sandbox.url.replace(/^http/, 'ws')}/v1/convai/conversation?agent_id=a+1`);
  });
});
