import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { CALL_FAILURES } from '../../../src/contracts/failures';
import { type AgentConnectFailureKind, isAgentConnectError } from '../../../src/integrations/elevenlabs/agent-connect-errors';
import {
  type AgentAudioChunk,
  type AgentConversation,
  type AgentConversationClose,
  openAgentConversation,
  type OpenAgentConversationOptions,
} from '../../../src/integrations/elevenlabs/agent-socket';
import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';
import type { ConversationInitiation } from '../../../src/integrations/elevenlabs/conversation-init';
import { humanVoiceId, synthesizeSpeech } from '../../../simulators/audio';
import { conversationAudio, type ElevenLabsSandbox, RACHEL_VOICE_ID, type SandboxConversation, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { closedPort, sleep } from './helpers';

const KEY = 'socket-key';
const AGENT = 'agent_bridge';
const CALLER_VOICE = humanVoiceId('4930123456');

const initiation = (overrides: Partial<ConversationInitiation> = {}): ConversationInitiation => ({
  voiceId: RACHEL_VOICE_ID,
  firstMessage: 'Hello {{caller_name}}, thanks for holding.',
  dynamicVariables: { caller_name: 'Ana', call_ref: 'ref-1', attempt: 1, vip: false },
  userId: 'ref-1',
  ...overrides,
});

/** Everything a conversation emitted, in order. */
function record(conversation: AgentConversation) {
  const events: { type: string; at: number }[] = [];
  const audio: AgentAudioChunk[] = [];
  const responses: string[] = [];
  const transcripts: string[] = [];
  let closed: (value: AgentConversationClose) => void = () => undefined;
  const close = new Promise<AgentConversationClose>((resolve) => {
    closed = resolve;
  });
  const log = (type: string): void => {
    events.push({ type, at: performance.now() });
  };
  conversation.on('audio', (chunk) => {
    audio.push(chunk);
    log('audio');
  });
  conversation.on('agent_response', ({ text }) => {
    responses.push(text);
    log('agent_response');
  });
  conversation.on('user_transcript', ({ text }) => {
    transcripts.push(text);
    log('user_transcript');
  });
  conversation.on('interruption', () => log('interruption'));
  conversation.on('close', (c) => {
    log('close');
    closed(c);
  });
  return { events, audio, responses, transcripts, close };
}

async function expectConnectError(promise: Promise<unknown>, kind: AgentConnectFailureKind) {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${kind}, but the conversation started`);
    },
    (e: unknown) => e,
  );
  if (!isAgentConnectError(error, kind)) throw new Error(`expected ${kind}, got ${String(error)}`, { cause: error });
  expect(error.name).toBe(CALL_FAILURES[kind].type);
  expect(error.retryable).toBe(CALL_FAILURES[kind].retryable);
  return error;
}

describe('openAgentConversation against the sandbox Agents WebSocket', () => {
  let sandbox: ElevenLabsSandbox;
  let client: ElevenLabsClient;
  const open: AgentConversation[] = [];

  const start = async (options: Partial<OpenAgentConversationOptions> = {}): Promise<AgentConversation> => {
    const conversation = await openAgentConversation({ url: client.agentSocketUrl(AGENT), initiation: initiation(), connectTimeoutMs: 3_000, ...options });
    open.push(conversation);
    return conversation;
  };
  const sandboxConversation = (conversationId: string): Promise<SandboxConversation> =>
    sandbox.waitForConversation((c) => c.conversationId === conversationId, 2_000);

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({
      apiKey: KEY,
      apiLatencyMs: 1,
      agents: { [AGENT]: { userInputAudioFormat: 'pcm_8000', agentOutputAudioFormat: 'pcm_8000' } },
      agentFirstAudioLatencyMs: 20,
      callDurationMs: 30_000,
      analysisDurationMs: 10,
      pingIntervalMs: 100,
    });
    client = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: KEY });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
    sandbox.reset();
    sandbox.configure({ callDurationMs: 30_000, overrideRefusal: 'after-metadata' });
  });
  afterAll(async () => {
    await client.close();
    await sandbox.close();
  });

  it('runs a whole conversation: metadata, agent audio, pings answered, caller audio heard, interruption, normal close', async () => {
    sandbox.configure({ callDurationMs: 4_000 });
    const conversation = await start();
    const seen = record(conversation);

    expect(conversation.conversationId).toMatch(/^conv_/);
    expect(conversation.agentOutputAudioFormat).toBe('pcm_8000');
    expect(conversation.userInputAudioFormat).toBe('pcm_8000');

    // Talk over the agent's first message as soon as it is audible, in 100 ms chunks.
    while (seen.audio.length === 0) await sleep(10);
    const callerSpeech = synthesizeSpeech(CALLER_VOICE, 'Hello, I am calling about my order', 8000);
    for (let offset = 0; offset < callerSpeech.length; offset += 1_600) {
      expect(conversation.sendUserAudio(callerSpeech.subarray(offset, offset + 1_600))).toBe(true);
      await sleep(20);
    }

    const closed = await seen.close;
    expect(closed).toEqual({ code: 1000, reason: '', normal: true, refused: false });
    expect(conversation.closed).toBe(true);
    expect(conversation.sendUserAudio(Buffer.alloc(320))).toBe(false);

    const types = seen.events.map((e) => e.type);
    expect(types.indexOf('agent_response')).toBeLessThan(types.indexOf('audio'));
    expect(types).toContain('interruption');
    expect(types.indexOf('interruption')).toBeLessThan(types.indexOf('user_transcript'));
    expect(types.at(-1)).toBe('close');
    expect(seen.responses[0]).toBe('Hello Ana, thanks for holding.');
    expect(seen.responses.length).toBeGreaterThanOrEqual(2);
    expect(seen.transcripts[0]).toBe('Hello, I am calling about my order.');

    const c = await sandbox.waitForConversation((x) => x.conversationId === conversation.conversationId && x.endedAtMs !== null, 2_000);
    // What we sent is what ElevenLabs got, and what it sent is what we emitted.
    expect(c.clientData).toEqual({
      type: 'conversation_initiation_client_data',
      dynamic_variables: { caller_name: 'Ana', call_ref: 'ref-1', attempt: 1, vip: false },
      conversation_config_override: { tts: { voice_id: RACHEL_VOICE_ID }, agent: { first_message: 'Hello {{caller_name}}, thanks for holding.' } },
      user_id: 'ref-1',
    });
    expect(c.userId).toBe('ref-1');
    expect(conversationAudio(c, 'user').equals(callerSpeech)).toBe(true);
    expect(Buffer.concat(seen.audio.map((a) => a.audio)).equals(conversationAudio(c, 'agent'))).toBe(true);
    expect(seen.audio.every((a) => typeof a.eventId === 'number')).toBe(true);
    expect(c.pings.length).toBeGreaterThan(10);
    // Answered at once: far sooner than the next ping (the last one may have crossed the close).
    expect(c.pings.slice(0, -1).every((p) => p.pongAtMs !== null && p.pongAtMs - p.sentAtMs < 1_000)).toBe(true);
  });

  it('close() ends the conversation normally on both sides', async () => {
    const conversation = await start({ initiation: initiation({ firstMessage: null, voiceId: null }) });
    const seen = record(conversation);
    conversation.close();
    expect(await seen.close).toMatchObject({ code: 1000, normal: true, refused: false });
    const c = await sandbox.waitForConversation((x) => x.conversationId === conversation.conversationId && x.endedAtMs !== null, 2_000);
    expect(c.terminationReason).toBe('Client disconnected');
    // Nothing overridden: no conversation_config_override at all, and the agent's own voice and first message.
    expect(c.clientData).toEqual({ type: 'conversation_initiation_client_data', dynamic_variables: expect.any(Object), user_id: 'ref-1' });
    expect(c.voiceId).toBe(RACHEL_VOICE_ID);
    expect(c.firstMessage).toBe('Hello! How can I help you today?');
  });

  it('works through a signed URL, which an agent with auth requires', async () => {
    sandbox.configureAgent(AGENT, { requireSignedUrl: true });
    const publicUrl = await expectConnectError(start(), 'agentRefused');
    expect(publicUrl.httpStatus).toBe(403);

    const url = await client.getSignedUrl(AGENT);
    const conversation = await start({ url });
    expect((await sandboxConversation(conversation.conversationId)).agentId).toBe(AGENT);
    // One conversation per signature (the sandbox's reading).
    expect((await expectConnectError(start({ url }), 'agentRefused')).httpStatus).toBe(403);
  });

  describe('refused (not retryable)', () => {
    it('an unknown agent: the upgrade gets 404', async () => {
      const error = await expectConnectError(start({ url: client.agentSocketUrl('agent_nope') }), 'agentRefused');
      expect(error.httpStatus).toBe(404);
      expect(error.message).toContain('404');
    });

    it('an override the agent does not allow, refused before the metadata with 1008', async () => {
      sandbox.configure({ overrideRefusal: 'before-metadata' });
      sandbox.configureAgent(AGENT, { overrides: { voiceId: false } });
      const error = await expectConnectError(start(), 'agentRefused');
      expect(error).toMatchObject({ closeCode: 1008, closeReason: "Override for field 'voice_id' is not allowed by config" });
      // Without the voice override the same agent takes the call.
      await expect(start({ initiation: initiation({ voiceId: null }) })).resolves.toBeDefined();
    });

    it('the same refusal just after the metadata comes as a refused close', async () => {
      sandbox.configure({ overrideRefusal: 'after-metadata' });
      sandbox.configureAgent(AGENT, { overrides: { firstMessage: false } });
      const conversation = await start();
      expect(await record(conversation).close).toEqual({
        code: 1008,
        reason: "Override for field 'first_message' is not allowed by config",
        normal: false,
        refused: true,
      });
    });
  });

  describe('unavailable (retryable)', () => {
    it.each([503, 429, 500])('the upgrade answered with %i', async (status) => {
      sandbox.setConversationFault('websocket', { kind: 'refuse', status, times: 1 });
      const error = await expectConnectError(start(), 'agentUnavailable');
      expect(error.httpStatus).toBe(status);
    });

    it('nothing listening', async () => {
      const error = await expectConnectError(start({ url: `ws://127.0.0.1:${await closedPort()}/v1/convai/conversation?agent_id=a` }), 'agentUnavailable');
      expect(error.message).toContain('ECONNREFUSED');
    });

    it('a connection that dies mid-conversation closes abnormally', async () => {
      sandbox.setConversationFault('websocket', { kind: 'drop', afterMs: 100, times: 1 });
      const closed = await record(await start()).close;
      expect(closed).toMatchObject({ code: 1006, normal: false, refused: false });
    });

    it('a server error mid-conversation closes abnormally but is no refusal', async () => {
      sandbox.setConversationFault('websocket', { kind: 'close-1011', afterMs: 100, times: 1 });
      expect(await record(await start()).close).toEqual({ code: 1011, reason: 'Internal error', normal: false, refused: false });
    });
  });
});

/** A far end that accepts the WebSocket, records what it gets and then does what the test says. */
async function startBareAgentEnd(onConnection: (socket: WebSocket) => void) {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server });
  const received: string[] = [];
  const closes: number[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    socket.on('close', (code) => closes.push(code));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/convai/conversation?agent_id=bare`,
    received,
    closes,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('openAgentConversation against a bare WebSocket end (what the sandbox cannot be told to do)', () => {
  const options = (url: string, extra: Partial<OpenAgentConversationOptions> = {}): OpenAgentConversationOptions => ({
    url,
    initiation: initiation({ firstMessage: null, dynamicVariables: { call_ref: 'r' } }),
    connectTimeoutMs: 300,
    ...extra,
  });

  it('no metadata within connectTimeoutMs is unavailable; the first message was the initiation data', async () => {
    const silent = await startBareAgentEnd(() => undefined);
    try {
      const startedAt = performance.now();
      const error = await expectConnectError(openAgentConversation(options(silent.url)), 'agentUnavailable');
      expect(error.message).toContain('no conversation_initiation_metadata within 300 ms');
      expect(performance.now() - startedAt).toBeLessThan(1_000);
      expect(silent.received.map((m) => JSON.parse(m))).toEqual([
        { type: 'conversation_initiation_client_data', dynamic_variables: { call_ref: 'r' }, conversation_config_override: { tts: { voice_id: RACHEL_VOICE_ID } }, user_id: 'ref-1' },
      ]);
    } finally {
      await silent.close();
    }
  });

  it('pings before the metadata are answered at once', async () => {
    const end = await startBareAgentEnd((socket) => socket.send(JSON.stringify({ type: 'ping', ping_event: { event_id: 7, ping_ms: 250 } })));
    try {
      await expectConnectError(openAgentConversation(options(end.url)), 'agentUnavailable');
      expect(end.received.slice(1).map((m) => JSON.parse(m))).toEqual([{ type: 'pong', event_id: 7 }]);
    } finally {
      await end.close();
    }
  });

  it.each([
    [1011, 'agentUnavailable'],
    [1000, 'agentUnavailable'],
    [1008, 'agentRefused'],
  ] as const)('a close %i before the metadata is %s', async (code, kind) => {
    const end = await startBareAgentEnd((socket) => socket.once('message', () => socket.close(code, 'bye')));
    try {
      expect(await expectConnectError(openAgentConversation(options(end.url)), kind)).toMatchObject({ closeCode: code, closeReason: 'bye' });
    } finally {
      await end.close();
    }
  });

  it('an abort while waiting for the metadata rejects at once and closes the socket', async () => {
    const silent = await startBareAgentEnd(() => undefined);
    try {
      const controller = new AbortController();
      const pending = openAgentConversation(options(silent.url, { connectTimeoutMs: 5_000, signal: controller.signal }));
      while (silent.received.length === 0) await sleep(5);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      while (silent.closes.length === 0) await sleep(5);
    } finally {
      await silent.close();
    }
  });

  it('an aborted signal never connects', async () => {
    const end = await startBareAgentEnd(() => undefined);
    try {
      await expect(openAgentConversation(options(end.url, { signal: AbortSignal.abort() }))).rejects.toMatchObject({ name: 'AbortError' });
      await sleep(50);
      expect(end.received).toEqual([]);
    } finally {
      await end.close();
    }
  });

  it('events that arrive together with the metadata reach listeners attached right after the await', async () => {
    const metadata = {
      type: 'conversation_initiation_metadata',
      conversation_initiation_metadata_event: { conversation_id: 'conv_burst', agent_output_audio_format: 'pcm_8000', user_input_audio_format: 'pcm_8000' },
    };
    const end = await startBareAgentEnd((socket) =>
      socket.once('message', () => {
        // One burst: the client parses all three frames from one read.
        socket.send(JSON.stringify(metadata));
        socket.send(JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Hi' } }));
        socket.send(JSON.stringify({ type: 'audio', audio_event: { audio_base_64: Buffer.from([1, 2, 3, 4]).toString('base64'), event_id: 1 } }));
        socket.close(1000);
      }),
    );
    try {
      const conversation = await openAgentConversation(options(end.url));
      const seen = record(conversation);
      expect(await seen.close).toMatchObject({ code: 1000, normal: true });
      expect(seen.events.map((e) => e.type)).toEqual(['agent_response', 'audio', 'close']);
      expect(seen.audio).toEqual([{ audio: Buffer.from([1, 2, 3, 4]), eventId: 1 }]);
      expect(conversation.conversationId).toBe('conv_burst');
    } finally {
      await end.close();
    }
  });

  it('an abort after the start closes the conversation normally', async () => {
    const end = await startBareAgentEnd((socket) =>
      socket.once('message', () =>
        socket.send(
          JSON.stringify({
            type: 'conversation_initiation_metadata',
            conversation_initiation_metadata_event: { conversation_id: 'conv_bare', agent_output_audio_format: 'pcm_8000', user_input_audio_format: 'pcm_8000' },
          }),
        ),
      ),
    );
    try {
      const controller = new AbortController();
      const conversation = await openAgentConversation(options(end.url, { signal: controller.signal }));
      const seen = record(conversation);
      controller.abort();
      expect(await seen.close).toMatchObject({ code: 1000, reason: 'aborted', normal: true, refused: false });
      while (end.closes.length === 0) await sleep(5);
      expect(end.closes).toEqual([1000]);
    } finally {
      await end.close();
    }
  });
});
