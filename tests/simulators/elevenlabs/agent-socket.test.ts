import { createHmac } from 'node:crypto';
import { classifyFrames, synthesizeSpeech } from '../../../simulators/audio';
import { type ElevenLabsSandbox, RACHEL_VOICE_ID, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { AgentSocket, type AgentEvent, call, halveRate, KEY, type JsonReceiver, sleep, startJsonReceiver, upgradeStatus } from './helpers';

const CLONE = 'CloneVoice0000000001';
const CALLER = 'CallerVoice000000001';
const SECRET = 'whsec_test';
const PCM16_BYTES_PER_MS = 32;

const audioEvent = (e: AgentEvent): { audio_base_64: string; event_id: number } => e.audio_event as { audio_base_64: string; event_id: number };

function dominantVoice(pcm16k: Buffer): string | null {
  const counts = new Map<string, number>();
  for (const label of classifyFrames(halveRate(pcm16k), [CLONE, RACHEL_VOICE_ID, CALLER])) {
    if (typeof label === 'object') counts.set(label.voice, (counts.get(label.voice) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

type PostCallBody = { type: string; data: Record<string, unknown> & { metadata: Record<string, unknown>; transcript: { role: string; message: string }[] } };

/** The webhook as our API received it, after checking its HMAC signature independently of the sandbox. */
function signedBody(receiver: JsonReceiver, rawBody: string): PostCallBody {
  const received = receiver.received.find((r) => r.rawBody === rawBody)!;
  const [t, v0] = String(received.headers['elevenlabs-signature']).split(',').map((p) => p.split('=')[1]);
  expect(v0).toBe(createHmac('sha256', SECRET).update(`${t}.${received.rawBody}`).digest('hex'));
  return JSON.parse(received.rawBody) as PostCallBody;
}

/** The sandbox's own record of the conversation, and the conversations API, agree with what went over the wire. */
async function expectRecorded(sandbox: ElevenLabsSandbox, conversationId: string, init: unknown, pingId: number): Promise<void> {
  const stored = sandbox.conversations.get(conversationId)!;
  expect(stored).toMatchObject({ voiceId: CLONE, clientData: init, userId: 'call-123', channel: 'websocket' });
  expect(stored.pings.find((p) => p.eventId === pingId)?.pongAtMs).toEqual(expect.any(Number));
  const userAudio = Buffer.concat(stored.audio.filter((a) => a.direction === 'user').map((a) => a.bytes));
  expect(dominantVoice(userAudio)).toBe(CALLER);
  expect((await call(sandbox, 'GET', `/v1/convai/conversations/${conversationId}`)).json).toMatchObject({ status: 'done', user_id: 'call-123' });
  expect((await call(sandbox, 'GET', '/v1/convai/conversations?user_id=call-123')).json).toMatchObject({ conversations: [{ conversation_id: conversationId, status: 'done' }] });
}

describe('ElevenLabs sandbox: Agents WebSocket', () => {
  let sandbox: ElevenLabsSandbox;
  let receiver: JsonReceiver;
  let wsUrl: string;

  beforeAll(async () => {
    receiver = await startJsonReceiver();
    sandbox = await startElevenLabsSandbox({
      apiKey: KEY,
      apiLatencyMs: 0,
      acceptAnyPremadeVoiceId: true,
      agentFirstAudioLatencyMs: 100,
      callDurationMs: 20_000,
      analysisDurationMs: 100,
      pingIntervalMs: 300,
      webhookUrl: receiver.url,
      webhookSecret: SECRET,
    });
    wsUrl = `${sandbox.url.replace('http', 'ws')}/v1/convai/conversation?agent_id=agent_sandbox`;
  });
  afterEach(() => {
    sandbox.reset();
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('runs a whole conversation in the overridden voice, records it and posts the signed post-call webhook', async () => {
    const init = {
      type: 'conversation_initiation_client_data',
      conversation_config_override: { tts: { voice_id: CLONE }, agent: { first_message: 'Hi {{caller_name}}.' } },
      dynamic_variables: { caller_name: 'Ana', call_ref: '3cx-1' },
      user_id: 'call-123',
    };
    const socket = await AgentSocket.open(wsUrl);
    socket.send(init);
    const metadata = await socket.waitFor((e) => e.type === 'conversation_initiation_metadata');
    const conversationId = (metadata.conversation_initiation_metadata_event as Record<string, string>).conversation_id!;
    expect(metadata.conversation_initiation_metadata_event).toEqual({ conversation_id: expect.stringMatching(/^conv_/) as string, agent_output_audio_format: 'pcm_16000', user_input_audio_format: 'pcm_16000' });
    expect(await socket.waitFor((e) => e.type === 'agent_response')).toEqual({ type: 'agent_response', agent_response_event: { agent_response: 'Hi Ana.' } });
    const firstAudio = audioEvent(await socket.waitFor((e) => e.type === 'audio'));
    await sleep(600);
    // "Hi Ana." lasts 420 ms: 3 events of ≤ 200 ms, sent over ≥ 200 ms rather than in one burst.
    const audioIdx = socket.events.flatMap((e, i) => (e.type === 'audio' ? [i] : []));
    expect(audioIdx).toHaveLength(3);
    expect(socket.arrivedAt[audioIdx[2]!]! - socket.arrivedAt[audioIdx[0]!]!).toBeGreaterThanOrEqual(150);
    expect(socket.audio(firstAudio.event_id)).toHaveLength(420 * PCM16_BYTES_PER_MS);
    expect(dominantVoice(socket.audio(firstAudio.event_id))).toBe(CLONE);

    const ping = await socket.waitFor((e) => e.type === 'ping');
    const pingId = (ping.ping_event as { event_id: number }).event_id;
    socket.send({ type: 'pong', event_id: pingId });
    socket.send({ type: 'contextual_update', text: 'caller is on hold' });
    socket.send({ type: 'user_activity' });

    const from = socket.events.length;
    await socket.talk(Buffer.concat([synthesizeSpeech(CALLER, 'I need some help', 16_000), Buffer.alloc(600 * PCM16_BYTES_PER_MS)]), PCM16_BYTES_PER_MS);
    await socket.waitFor((e) => e.type === 'user_transcript', 3_000, from);
    const reply = await socket.waitFor((e) => e.type === 'agent_response', 3_000, from);
    const replyAudio = audioEvent(await socket.waitFor((e) => e.type === 'audio', 3_000, from));
    expect(replyAudio.event_id).toBeGreaterThan(firstAudio.event_id);
    await sleep(500);
    expect(dominantVoice(socket.audio(replyAudio.event_id))).toBe(CLONE);

    socket.ws.close(1000);
    await socket.closed;
    const delivery = await sandbox.waitForWebhookDelivery((d) => d.conversationId === conversationId && d.delivered, 3_000);
    const body = signedBody(receiver, delivery.rawBody);
    expect(body.type).toBe('post_call_transcription');
    expect(body.data).toMatchObject({
      conversation_id: conversationId,
      agent_id: 'agent_sandbox',
      status: 'done',
      user_id: 'call-123',
      conversation_initiation_client_data: {
        conversation_config_override: init.conversation_config_override,
        dynamic_variables: { caller_name: 'Ana', call_ref: '3cx-1', system__conversation_id: conversationId },
        user_id: 'call-123',
      },
      metadata: { call_duration_secs: expect.any(Number) as number, phone_call: null, termination_reason: 'Client disconnected' },
    });
    expect(body.data.transcript.map((turn) => [turn.role, turn.message])).toEqual([
      ['agent', 'Hi Ana.'],
      ['user', 'Hello, I am calling about my order.'],
      ['agent', (reply.agent_response_event as { agent_response: string }).agent_response],
    ]);

    await expectRecorded(sandbox, conversationId, init, pingId);
  });

  it('stops talking when the caller talks over it (interruption), then answers; ends the call itself after callDurationMs with 1000', async () => {
    sandbox.configure({ callDurationMs: 2_500 });
    const socket = await AgentSocket.open(wsUrl);
    socket.send({ type: 'conversation_initiation_client_data' });
    const first = audioEvent(await socket.waitFor((e) => e.type === 'audio'));
    await socket.talk(Buffer.concat([synthesizeSpeech(CALLER, 'wait wait', 16_000), Buffer.alloc(500 * PCM16_BYTES_PER_MS)]), PCM16_BYTES_PER_MS);
    const interruption = await socket.waitFor((e) => e.type === 'interruption');
    expect(interruption.interruption_event).toEqual({ event_id: first.event_id });
    // The default first message lasts 1.9 s; it was cut well before that.
    expect(socket.audio(first.event_id).length).toBeLessThan(1_900 * PCM16_BYTES_PER_MS);
    expect(dominantVoice(socket.audio(first.event_id))).toBe(RACHEL_VOICE_ID);
    await socket.waitFor((e) => e.type === 'user_transcript');
    expect(await socket.closed).toEqual({ code: 1000, reason: '' });
    const [conversation] = sandbox.conversations.values();
    expect(conversation?.transcript[0]).toMatchObject({ role: 'agent', interrupted: true });
    expect(conversation?.terminationReason).toBe('Call ended by the agent');
    sandbox.configure({ callDurationMs: 20_000 });
  });

  it('refuses an override the agent does not allow: metadata, then close 1008 with the platform message; no post-call webhook', async () => {
    sandbox.configureAgent('agent_sandbox', { overrides: { voiceId: false } });
    const socket = await AgentSocket.open(wsUrl);
    socket.send({ type: 'conversation_initiation_client_data', conversation_config_override: { tts: { voice_id: CLONE } } });
    expect(await socket.closed).toEqual({ code: 1008, reason: "Override for field 'voice_id' is not allowed by config" });
    expect(socket.events.map((e) => e.type)).toEqual(['conversation_initiation_metadata']);
    const [conversation] = sandbox.conversations.values();
    expect(conversation).toMatchObject({ failed: true, error: { code: 1008 } });
    await sleep(300);
    expect(sandbox.webhookDeliveries).toHaveLength(0);

    sandbox.configure({ overrideRefusal: 'before-metadata' });
    sandbox.configureAgent('agent_sandbox', { overrides: { firstMessage: false } });
    const again = await AgentSocket.open(wsUrl);
    again.send({ type: 'conversation_initiation_client_data', conversation_config_override: { agent: { first_message: 'x' } }, dynamic_variables: {} });
    expect(await again.closed).toEqual({ code: 1008, reason: "Override for field 'first_message' is not allowed by config" });
    expect(again.events).toHaveLength(0);
    sandbox.configure({ overrideRefusal: 'after-metadata' });
  });

  it('injected faults: refused upgrade, dropped connection (1006), internal error (1011), no audio, slow first audio', async () => {
    sandbox.setConversationFault('websocket', { kind: 'refuse', times: 1 });
    expect(await upgradeStatus(wsUrl)).toBe(503);

    const start = async (): Promise<AgentSocket> => {
      const socket = await AgentSocket.open(wsUrl);
      socket.send({ type: 'conversation_initiation_client_data' });
      return socket;
    };
    sandbox.setConversationFault('websocket', { kind: 'drop', afterMs: 300, times: 1 });
    expect((await (await start()).closed).code).toBe(1006);
    sandbox.setConversationFault('websocket', { kind: 'close-1011', afterMs: 300, times: 1 });
    expect(await (await start()).closed).toEqual({ code: 1011, reason: 'Internal error' });

    sandbox.setConversationFault('websocket', { kind: 'no-audio', times: 1 });
    const silent = await start();
    await silent.waitFor((e) => e.type === 'ping', 2_000);
    expect(silent.events.some((e) => e.type === 'audio')).toBe(false);
    silent.ws.close();

    sandbox.setConversationFault('websocket', { kind: 'slow-first-audio', delayMs: 800, times: 1 });
    const slow = await start();
    const opened = Date.now();
    await slow.waitFor((e) => e.type === 'audio', 3_000);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(800);
    slow.ws.close();
    expect(sandbox.requests.filter((r) => r.endpoint === 'convai.conversation').map((r) => r.status)).toEqual([503, 101, 101, 101, 101]);
  });

  it('answers in the agent format: ulaw_8000 / pcm_8000 when the agent is set so', async () => {
    sandbox.configureAgent('agent_sandbox', { agentOutputAudioFormat: 'pcm_8000', userInputAudioFormat: 'ulaw_8000', firstMessage: 'Good day.' });
    const socket = await AgentSocket.open(wsUrl);
    socket.send({ type: 'conversation_initiation_client_data' });
    const metadata = await socket.waitFor((e) => e.type === 'conversation_initiation_metadata');
    expect(metadata.conversation_initiation_metadata_event).toMatchObject({ agent_output_audio_format: 'pcm_8000', user_input_audio_format: 'ulaw_8000' });
    const first = audioEvent(await socket.waitFor((e) => e.type === 'audio'));
    await sleep(500);
    expect(socket.audio(first.event_id)).toHaveLength(540 * 16);
    expect(classifyFrames(socket.audio(first.event_id), [RACHEL_VOICE_ID]).every((l) => typeof l === 'object' && l.voice === RACHEL_VOICE_ID)).toBe(true);
    socket.ws.close();
  });
});
