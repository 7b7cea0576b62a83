import { type ElevenLabsSandbox, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { AgentSocket, call, KEY, upgradeStatus } from './helpers';

describe('ElevenLabs sandbox: agent settings and signed URLs', () => {
  let sandbox: ElevenLabsSandbox;

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({
      apiKey: KEY,
      apiLatencyMs: 0,
      agentFirstAudioLatencyMs: 0,
      sipNumbers: { '+4930123450001': { agentId: 'agent_sandbox', phoneNumberId: 'phnum_1' } },
    });
  });
  afterEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  it('GET /v1/convai/agents/{id} puts every setting the doctor checks in its GetAgentResponseModel place', async () => {
    const res = await call(sandbox, 'GET', '/v1/convai/agents/agent_sandbox');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      agent_id: 'agent_sandbox',
      name: 'Sandbox agent',
      metadata: { created_at_unix_secs: expect.any(Number) as number },
      conversation_config: {
        asr: { user_input_audio_format: 'pcm_16000' },
        tts: { agent_output_audio_format: 'pcm_16000', voice_id: '21m00Tcm4TlvDq8ikWAM' },
        agent: { first_message: 'Hello! How can I help you today?', language: 'en' },
      },
      platform_settings: {
        auth: { enable_auth: false },
        overrides: {
          conversation_config_override: { tts: { voice_id: true }, agent: { first_message: true, language: true, prompt: { prompt: true } } },
          enable_conversation_initiation_client_data_from_webhook: true,
        },
        workspace_overrides: { conversation_initiation_client_data_webhook: null, webhooks: { post_call_webhook_id: 'wh_sandbox_post_call' } },
      },
      phone_numbers: [{ phone_number: '+4930123450001', phone_number_id: 'phnum_1', provider: 'sip_trunk', assigned_agent: { agent_id: 'agent_sandbox' } }],
    });
  });

  it('each misconfiguration can be produced on its own', async () => {
    sandbox.configureAgent('agent_sandbox', {
      userInputAudioFormat: 'pcm_8000',
      agentOutputAudioFormat: 'ulaw_8000',
      overrides: { voiceId: false },
      enableInitiationWebhook: false,
      postCallWebhookId: null,
    });
    const { json } = await call(sandbox, 'GET', '/v1/convai/agents/agent_sandbox');
    const config = json.conversation_config as { asr: Record<string, unknown>; tts: Record<string, unknown> };
    const platform = json.platform_settings as { overrides: Record<string, unknown> & { conversation_config_override: Record<string, unknown> }; workspace_overrides: { webhooks: unknown } };
    expect(config.asr.user_input_audio_format).toBe('pcm_8000');
    expect(config.tts.agent_output_audio_format).toBe('ulaw_8000');
    expect(platform.overrides.conversation_config_override).toMatchObject({ tts: { voice_id: false }, agent: { first_message: true } });
    expect(platform.overrides.enable_conversation_initiation_client_data_from_webhook).toBe(false);
    expect(platform.workspace_overrides.webhooks).toMatchObject({ post_call_webhook_id: null });
  });

  it('unknown agent → 404; agents can also be configured through POST /_sandbox/config', async () => {
    expect(await call(sandbox, 'GET', '/v1/convai/agents/agent_nope')).toMatchObject({ status: 404, json: { detail: { status: 'agent_not_found' } } });
    expect((await call(sandbox, 'POST', '/_sandbox/config', { agents: { agent_two: { firstMessage: '' } } })).status).toBe(200);
    expect((await call(sandbox, 'GET', '/v1/convai/agents/agent_two')).json).toMatchObject({ conversation_config: { agent: { first_message: '' } } });
  });

  it('a signed URL points at the sandbox socket and opens exactly one conversation', async () => {
    const res = await call(sandbox, 'GET', '/v1/convai/conversation/get-signed-url?agent_id=agent_sandbox');
    expect(res.status).toBe(200);
    const signedUrl = String(res.json.signed_url);
    expect(signedUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${sandbox.port}/v1/convai/conversation\\?agent_id=agent_sandbox&conversation_signature=\\w+$`));
    const socket = await AgentSocket.open(signedUrl);
    socket.send({ type: 'conversation_initiation_client_data' });
    await socket.waitFor((e) => e.type === 'conversation_initiation_metadata');
    socket.ws.close();
    expect(await upgradeStatus(signedUrl)).toBe(403);
    const forged = signedUrl.replace(/conversation_signature=\w+/, 'conversation_signature=forged');
    expect(await upgradeStatus(forged)).toBe(403);
  });

  it('an agent with enable_auth refuses a plain agent_id connection but takes a signed one; signed URLs need a key and a known agent', async () => {
    sandbox.configureAgent('agent_private', { requireSignedUrl: true });
    expect(await upgradeStatus(`${sandbox.url.replace('http', 'ws')}/v1/convai/conversation?agent_id=agent_private`)).toBe(403);
    const { json } = await call(sandbox, 'GET', '/v1/convai/conversation/get-signed-url?agent_id=agent_private');
    const socket = await AgentSocket.open(String(json.signed_url));
    socket.ws.close();
    expect((await call(sandbox, 'GET', '/v1/convai/conversation/get-signed-url?agent_id=agent_private', undefined, 'wrong')).status).toBe(401);
    expect((await call(sandbox, 'GET', '/v1/convai/conversation/get-signed-url?agent_id=agent_nope')).status).toBe(404);
    expect((await call(sandbox, 'GET', '/v1/convai/conversation/get-signed-url')).status).toBe(422);
    expect(await upgradeStatus(`${sandbox.url.replace('http', 'ws')}/v1/convai/conversation?agent_id=agent_nope`)).toBe(404);
  });
});
