import pino from 'pino';
import { loadConfig } from '../../src/config';
import { formatReport, logStartupChecks, runDoctor } from '../../src/doctor/index';
import { audioFormatCheck } from '../../src/doctor/audio-format-check';
import { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { agentSchema, toAgentSettings } from '../../src/integrations/elevenlabs/agent-settings';
import { createCallControl } from '../../src/integrations/threecx/call-control';
import { AGENT_ID, checkOf, startWorld, type World } from './world';

describe('the doctor at gateway start, its table, and checks without a network', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterEach(() => world.sandbox.reset());
  afterAll(() => world.close());

  it('logs the report with the gateway\'s own clients, minting no second token and leaving its socket open', async () => {
    const config = world.config('bridge');
    const threecx = { url: world.pbx.url, clientId: world.pbx.clientId, clientSecret: world.pbx.clientSecret };
    const callControl = createCallControl({ ...threecx, requestTimeoutMs: 2000, tokenRefreshSeconds: 1800, wsPingSeconds: 5, reconnectMaxSeconds: 1 });
    const elevenlabs = new ElevenLabsClient({ baseUrl: world.sandbox.url, apiKey: world.sandbox.apiKey });
    world.sandbox.configureAgent(AGENT_ID, { postCallWebhookId: null });
    const lines: { level: number; msg: string; check?: string; fix?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    try {
      const connected = new Promise((resolve) => callControl.events.once('connected', resolve));
      callControl.events.start();
      await connected;
      const mintedBefore = world.pbx.tokensMinted;
      const report = await logStartupChecks({ config, elevenlabs, agentId: AGENT_ID, threecx, callControl }, log);

      expect(report?.ok).toBe(true);
      expect(checkOf(report!, 'threecx.event-socket').status).toBe('ok');
      expect(world.pbx.tokensMinted).toBe(mintedBefore);
      expect(callControl.events.isConnected).toBe(true);
      const warning = lines.find((l) => l.check === 'elevenlabs.post-call-webhook');
      expect(warning).toMatchObject({ level: 40 });
      expect(warning?.fix).toContain('ELEVENLABS_WEBHOOK_SECRET');
      expect(lines.at(-1)?.msg).toBe('start-up checks passed');
    } finally {
      await callControl.close();
      await elevenlabs.close();
    }
  });

  it('prints a table with every check and the fix under each problem', async () => {
    world.sandbox.configureAgent(AGENT_ID, { overrides: { voiceId: false } });
    const report = await runDoctor({ config: world.config('bridge'), threecx: false });
    const table = formatReport(report);
    expect(table).toContain('HANDOFF_MODE=bridge');
    expect(table).toMatch(/FAIL\s+elevenlabs\.agent-overrides\s+Agent agent_doctor does not allow overriding tts\.voice_id/);
    expect(table).toMatch(/\n\s+fix: Enable the overrides in the agent's Security tab/);
    expect(table).toMatch(/ok\s+elevenlabs\.api-key/);
    expect(table).toContain(`${report.counts.ok} ok, 0 warning(s), 1 failure(s), 3 skipped`);
  });

  it('production without ElevenLabs, 3CX and webhook secrets fails on the configuration alone', async () => {
    const config = {
      ...loadConfig({ ENVIRONMENT: 'development' }),
      environment: 'production' as const,
    };
    const report = await runDoctor({ config });
    expect(checkOf(report, 'config.credentials').status).toBe('fail');
    expect(checkOf(report, 'config.webhook-secrets').status).toBe('fail');
    expect(checkOf(report, 'config.public-base-url').status).toBe('warn');
    expect(report.checks.some((c) => c.area !== 'config')).toBe(false);
  });

  it('an agent audio format that cannot be bridged fails; μ-law warns with its conversion cost', async () => {
    const agent = (asr: string, tts: string) =>
      toAgentSettings(agentSchema.parse({ agent_id: 'a', conversation_config: { asr: { user_input_audio_format: asr }, tts: { agent_output_audio_format: tts } } }));
    const mp3 = await audioFormatCheck(agent('pcm_8000', 'mp3_44100_128'));
    expect(mp3.status).toBe('fail');
    expect(mp3.message).toContain('agent output mp3_44100_128');
    const ulaw = await audioFormatCheck(agent('ulaw_8000', 'ulaw_8000'));
    expect(ulaw.status).toBe('warn');
    expect(ulaw.message).toMatch(/\d+\.\d\d ms of CPU per call-second/);
  });
});
