import { runDoctor } from '../../src/doctor/index';
import { AGENT_ID, WELL_CONFIGURED, checkOf, notOk, startWorld, type World } from './world';

describe('npm run doctor against the ElevenLabs sandbox and the 3CX simulator', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterEach(() => {
    world.sandbox.reset();
    world.pbx.clearFaults();
  });
  afterAll(() => world.close());

  it('bridge mode: a well-configured agent and PBX pass every check', async () => {
    const report = await runDoctor({ config: world.config('bridge') });
    expect(notOk(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([
      'config.credentials',
      'config.webhook-secrets',
      'config.public-base-url',
      'elevenlabs.api-key',
      'elevenlabs.voice-cloning',
      'elevenlabs.voice-slots',
      'elevenlabs.greeting-voice',
      'elevenlabs.default-voice',
      'elevenlabs.agent',
      'elevenlabs.agent-overrides',
      'elevenlabs.audio-formats',
      'elevenlabs.signed-url',
      'elevenlabs.post-call-webhook',
      'threecx.token',
      'threecx.route-point',
      'threecx.event-socket',
    ]);
    // The doctor's own event socket and token are gone once it is done.
    expect(world.pbx.liveWsConnections()).toBe(0);
  });

  it('SIP mode: a well-configured agent, numbers, webhooks and PBX pass every check', async () => {
    const report = await runDoctor({ config: world.config('sip') });
    expect(notOk(report)).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'config.sip-route-prefix',
        'elevenlabs.sip-numbers',
        'elevenlabs.initiation-webhook',
        'elevenlabs.initiation-webhook-target',
        'elevenlabs.sip-numbers-assigned',
      ]),
    );
    expect(report.checks.map((c) => c.id)).not.toContain('elevenlabs.audio-formats');
  });

  it('an override the agent does not allow fails, naming the override and where to enable it', async () => {
    world.sandbox.configureAgent(AGENT_ID, { overrides: { firstMessage: false } });
    const check = checkOf(await runDoctor({ config: world.config('bridge') }), 'elevenlabs.agent-overrides');
    expect(check.status).toBe('fail');
    expect(check.message).toContain('agent.first_message');
    expect(check.message).not.toContain('tts.voice_id');
    expect(check.fix).toContain('Security');
    expect(check.fix).toContain('"first_message":true');
  });

  it('SIP mode: the conversation-initiation webhook switched off on the agent fails', async () => {
    world.sandbox.configureAgent(AGENT_ID, { enableInitiationWebhook: false });
    const report = await runDoctor({ config: world.config('sip') });
    const check = checkOf(report, 'elevenlabs.initiation-webhook');
    expect(check.status).toBe('fail');
    expect(check.fix).toContain('enable_conversation_initiation_client_data_from_webhook');
    expect(report.ok).toBe(false);
  });

  it('SIP mode: an initiation webhook without our bearer secret fails; one on the workspace is left to check by hand', async () => {
    world.sandbox.configureAgent(AGENT_ID, { initiationWebhook: { ...WELL_CONFIGURED.initiationWebhook!, headers: { Authorization: 'Bearer wrong' } } });
    const wrong = checkOf(await runDoctor({ config: world.config('sip') }), 'elevenlabs.initiation-webhook-target');
    expect(wrong).toMatchObject({ status: 'fail' });
    expect(wrong.message).toContain('401');
    expect(wrong.fix).toContain('https://voice.example.com/webhook/elevenlabs/conversation-init');
    expect(wrong.fix).toContain('Authorization: Bearer <ELEVENLABS_INIT_WEBHOOK_SECRET>');

    world.sandbox.configureAgent(AGENT_ID, { initiationWebhook: null });
    const workspace = checkOf(await runDoctor({ config: world.config('sip') }), 'elevenlabs.initiation-webhook-target');
    expect(workspace.status).toBe('skipped');
    expect(workspace.message).toContain('GET /v1/convai/settings');
  });

  it('pcm_16000 audio formats warn with the resampling cost measured on this machine', async () => {
    world.sandbox.configureAgent(AGENT_ID, { userInputAudioFormat: 'pcm_16000', agentOutputAudioFormat: 'pcm_16000' });
    const report = await runDoctor({ config: world.config('bridge') });
    const check = checkOf(report, 'elevenlabs.audio-formats');
    expect(check.status).toBe('warn');
    expect(check.message).toMatch(/input pcm_16000, output pcm_16000: .*measured here at \d+\.\d\d ms of CPU per call-second/);
    expect(check.fix).toContain('"agent_output_audio_format":"pcm_8000"');
    expect(report.ok).toBe(true);
  });

  it('an agent without a post-call webhook warns that transcripts then come only from the recovery', async () => {
    world.sandbox.configureAgent(AGENT_ID, { postCallWebhookId: null });
    const check = checkOf(await runDoctor({ config: world.config('bridge') }), 'elevenlabs.post-call-webhook');
    expect(check.status).toBe('warn');
    expect(check.message).toContain('lost-webhook recovery');
    expect(check.fix).toContain('https://voice.example.com/webhook/elevenlabs/postcall');
    expect(check.fix).toContain('ELEVENLABS_WEBHOOK_SECRET');
  });

  it('an unknown agent fails and every check that needs it is skipped', async () => {
    const report = await runDoctor({ config: world.config('bridge', { ELEVENLABS_AGENT_ID: 'agent_nobody' }) });
    const check = checkOf(report, 'elevenlabs.agent');
    expect(check.status).toBe('fail');
    expect(check.message).toContain('agent_nobody does not exist');
    expect(check.fix).toContain('ELEVENLABS_AGENT_ID');
    for (const id of ['elevenlabs.agent-overrides', 'elevenlabs.audio-formats', 'elevenlabs.signed-url', 'elevenlabs.post-call-webhook']) {
      expect(checkOf(report, id).status).toBe('skipped');
    }
    expect(checkOf(report, 'threecx.token').status).toBe('ok');
  });

  it('a bad API key fails and the rest of ElevenLabs is skipped', async () => {
    const report = await runDoctor({ config: world.config('bridge', { ELEVENLABS_API_KEY: 'not-the-key' }) });
    const check = checkOf(report, 'elevenlabs.api-key');
    expect(check.status).toBe('fail');
    expect(check.message).toContain('401');
    expect(check.fix).toContain('ELEVENLABS_API_KEY');
    expect(report.checks.filter((c) => c.area === 'elevenlabs' && c.id !== 'elevenlabs.api-key').every((c) => c.status === 'skipped')).toBe(true);
    expect(report.ok).toBe(false);
  });

  it('SIP mode without SIP numbers fails, and a number not assigned to the agent fails', async () => {
    const sip = world.config('sip');
    const none = await runDoctor({ config: { ...sip, elevenlabs: { ...sip.elevenlabs, sipNumbers: [] } } });
    const check = checkOf(none, 'elevenlabs.sip-numbers');
    expect(check.status).toBe('fail');
    expect(check.fix).toContain('ELEVENLABS_SIP_NUMBERS');
    expect(checkOf(none, 'elevenlabs.sip-numbers-assigned').status).toBe('skipped');

    const stranger = await runDoctor({ config: world.config('sip', { ELEVENLABS_SIP_NUMBERS: '+4930123450001,+4930999999999' }) });
    const assigned = checkOf(stranger, 'elevenlabs.sip-numbers-assigned');
    expect(assigned.status).toBe('fail');
    expect(assigned.message).toContain('+4930999999999');
    expect(assigned.message).not.toContain('+4930123450001');
    expect(assigned.fix).toContain('PATCH /v1/convai/phone-numbers/{phone_number_id}');
  });

  it('a greeting voice the account does not have fails; the default voice follows it unless set', async () => {
    const report = await runDoctor({ config: world.config('bridge', { GREETING_VOICE_ID: 'voiceThatIsNotThere1' }) });
    expect(checkOf(report, 'elevenlabs.greeting-voice')).toMatchObject({ status: 'fail' });
    expect(checkOf(report, 'elevenlabs.greeting-voice').fix).toContain('GREETING_VOICE_ID');
    expect(checkOf(report, 'elevenlabs.default-voice').status).toBe('fail');

    const separate = await runDoctor({ config: world.config('bridge', { DEFAULT_VOICE_ID: 'voiceThatIsNotThere2' }) });
    expect(checkOf(separate, 'elevenlabs.greeting-voice').status).toBe('ok');
    expect(checkOf(separate, 'elevenlabs.default-voice').fix).toContain('DEFAULT_VOICE_ID');
  });

  it('too few free voice slots warn', async () => {
    world.sandbox.configure({ voiceLimit: 1 });
    try {
      const check = checkOf(await runDoctor({ config: world.config('bridge') }), 'elevenlabs.voice-slots');
      expect(check.status).toBe('warn');
      expect(check.message).toContain('VOICE_SLOT_RESERVE=2');
    } finally {
      world.sandbox.configure({ voiceLimit: 10 });
    }
  });
});
