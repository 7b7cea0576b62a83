import type { RawData, WebSocket } from 'ws';
import { AgentEngine, type AgentTransport } from '../agent-runtime/engine';
import type { StoredAgent } from '../agents/settings';
import { parseAudioFormat } from '../audio-format/formats';
import { type InitData, NO_INIT_DATA, parseInitData, refusedOverride } from '../conversations/client-data';
import { type ConversationEnd, finishConversation } from '../conversations/finish';
import type { SandboxConversation } from '../conversations/model';
import { startConversation } from '../conversations/start';
import type { SandboxState } from '../state';
import type { ConversationFaultSpec } from '../types';
import { nowMs, pickLatency } from '../util';
import { parseClientMessage, serverEvents } from './messages';

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

// 200 ms of audio per `audio` event, sent twice as fast as real time.
const PACING = { chunkMs: 200, speedup: 2 };

/** One Agents WebSocket conversation ([ELD] fern/apis/convai/asyncapi.yml), from the client's first message to the close. */
export class ConvaiSession implements AgentTransport {
  private phase: 'waiting' | 'live' | 'closed' = 'waiting';
  private conversation: SandboxConversation | null = null;
  private engine: AgentEngine | null = null;
  private eventIds = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private lastRttMs: number | null = null;
  private readonly untrack: () => void;

  constructor(
    private readonly state: SandboxState,
    private readonly ws: WebSocket,
    private readonly agent: StoredAgent,
    private readonly fault: ConversationFaultSpec | undefined,
  ) {
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', () => this.end({ reason: 'Client disconnected' }));
    ws.on('error', () => this.end({ reason: 'Client connection error' }));
    this.untrack = state.lifecycle.track(() => {
      this.end({ reason: 'Sandbox reset', postCall: false });
      ws.terminate();
    });
  }

  audio(chunk: Buffer, eventId: number): void {
    this.send(serverEvents.audio(chunk, eventId));
  }

  agentResponse(text: string): void {
    this.send(serverEvents.agentResponse(text));
  }

  userTranscript(text: string): void {
    this.send(serverEvents.userTranscript(text));
  }

  interruption(eventId: number): void {
    this.send(serverEvents.interruption(eventId));
  }

  agentEnded(): void {
    this.end({ reason: 'Call ended by the agent' });
    this.ws.close(1000);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.phase === 'closed') return;
    const message = isBinary ? { kind: 'invalid' as const } : parseClientMessage(rawText(data));
    if (message.kind === 'invalid') {
      // UNCONFIRMED: a third-party report of "1008 Invalid message received" for a non-JSON frame.
      this.end({ reason: 'Invalid message received', error: { code: 1008, reason: 'Invalid message received' } });
      this.ws.close(1008, 'Invalid message received');
      return;
    }
    if (this.phase === 'waiting') {
      // UNCONFIRMED: a client that sends no conversation_initiation_client_data first gets the agent's defaults.
      this.begin(message.kind === 'init' ? parseInitData(message.json) : NO_INIT_DATA);
      if (message.kind === 'init') return;
    }
    if (message.kind === 'audio') this.engine?.hearCaller(message.bytes);
    if (message.kind === 'pong') this.recordPong(message.eventId);
  }

  private begin(init: InitData): void {
    const voiceMissing =
      init.voiceId !== undefined && !this.state.voices.canSpeak(init.voiceId, this.state.config.acceptAnyPremadeVoiceId)
        ? `A voice with the voice_id ${init.voiceId} was not found.`
        : null;
    const refusal = refusedOverride(init, this.agent) ?? voiceMissing;
    if (refusal !== null) {
      this.refuse(init, refusal);
      return;
    }
    const conversation = this.open(init);
    const input = parseAudioFormat(this.agent.userInputAudioFormat)!;
    const output = parseAudioFormat(this.agent.agentOutputAudioFormat)!;
    const { config, random, lifecycle } = this.state;
    this.engine = new AgentEngine(
      {
        conversation,
        input,
        output,
        pacing: PACING,
        firstAudioLatencyMs: pickLatency(config.agentFirstAudioLatencyMs, random),
        callDurationMs: pickLatency(config.callDurationMs, random),
        fault: this.fault,
        lifecycle,
        nextEventId: () => this.nextEventId(),
      },
      this,
    );
    this.phase = 'live';
    this.engine.start();
    this.schedulePing();
    this.scheduleFault();
  }

  private open(init: InitData): SandboxConversation {
    const formats = { userInput: this.agent.userInputAudioFormat, agentOutput: this.agent.agentOutputAudioFormat };
    const conversation = startConversation(this.state, { agent: this.agent, init, channel: 'websocket', phoneCall: null, formats });
    this.conversation = conversation;
    this.send(serverEvents.metadata(conversation.conversationId, formats.agentOutput, formats.userInput));
    return conversation;
  }

  /** UNCONFIRMED close code 1008 and timing (option overrideRefusal); the reason text is the platform's. */
  private refuse(init: InitData, message: string): void {
    if (this.state.config.overrideRefusal === 'after-metadata') this.open(init);
    this.end({ reason: message, error: { code: 1008, reason: message }, postCall: false });
    this.ws.close(1008, message);
  }

  private schedulePing(): void {
    this.pingTimer = this.state.lifecycle.timeout(() => {
      if (this.phase !== 'live' || this.conversation === null) return;
      const eventId = this.nextEventId();
      this.conversation.pings.push({ eventId, sentAtMs: nowMs(), pongAtMs: null });
      this.send(serverEvents.ping(eventId, this.lastRttMs));
      this.schedulePing();
    }, this.state.config.pingIntervalMs);
  }

  private recordPong(eventId: number): void {
    const ping = this.conversation?.pings.find((p) => p.eventId === eventId && p.pongAtMs === null);
    if (ping === undefined) return;
    ping.pongAtMs = nowMs();
    this.lastRttMs = Math.round(ping.pongAtMs - ping.sentAtMs);
  }

  private scheduleFault(): void {
    const fault = this.fault;
    if (fault?.kind !== 'drop' && fault?.kind !== 'close-1011') return;
    this.state.lifecycle.timeout(() => {
      if (this.phase !== 'live') return;
      if (fault.kind === 'drop') {
        this.end({ reason: 'Connection lost', error: { code: 1006, reason: 'Connection lost' } });
        this.ws.terminate();
      } else {
        this.end({ reason: 'Internal error', error: { code: 1011, reason: 'Internal error' } });
        this.ws.close(1011, 'Internal error');
      }
    }, fault.afterMs ?? 1_000);
  }

  private end(end: ConversationEnd): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.untrack();
    this.state.lifecycle.clear(this.pingTimer);
    this.engine?.stop();
    if (this.conversation !== null) finishConversation(this.state, this.conversation, end);
  }

  private nextEventId(): number {
    this.eventIds += 1;
    return this.eventIds;
  }

  private send(event: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(event));
  }
}
