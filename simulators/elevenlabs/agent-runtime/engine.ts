import { synthesizeSpeech } from '../../audio';
import { chunkAudio, decodeAudio, encodeAudio, type SandboxAudioFormat } from '../audio-format/formats';
import type { SandboxConversation, SandboxTurn } from '../conversations/model';
import type { Lifecycle } from '../lifecycle';
import type { ConversationFaultSpec } from '../types';
import { nowMs } from '../util';
import { END_OF_TURN_SILENCE_MS, SpeechDetector, type SpeechEvent } from './speech-detector';
import { type Pacing, Utterance } from './utterance';

/** Where the agent's side of the conversation goes: the Agents WebSocket or a SIP call. */
export interface AgentTransport {
  audio(chunk: Buffer, eventId: number): void;
  agentResponse(text: string, eventId: number): void;
  userTranscript(text: string, eventId: number): void;
  interruption(eventId: number): void;
  /** The agent ends the conversation: its time is up. */
  agentEnded(): void;
}

export interface AgentEngineOptions {
  conversation: SandboxConversation;
  input: SandboxAudioFormat;
  output: SandboxAudioFormat;
  pacing: Pacing;
  firstAudioLatencyMs: number;
  callDurationMs: number;
  fault: ConversationFaultSpec | undefined;
  lifecycle: Lifecycle;
  nextEventId: () => number;
}

// The agent "thinks" this long after the caller's turn before it answers.
const REPLY_DELAY_MS = 250;
const CALLER_LINES = ['Hello, I am calling about my order.', 'Yes, that is right.', 'Thank you, that is all.'];
const AGENT_REPLIES = ['I see. Could you tell me a little more?', 'Thank you, that helps.', 'Understood. Is there anything else?'];

/**
 * The sandbox agent: says its first message (after the first-audio latency), answers each caller
 * turn (≥300 ms of speech, then a 400 ms pause) with a short reply, stops talking when the caller
 * talks over it, and ends the conversation after the call duration. It speaks synthesizeSpeech()
 * in the conversation's voice and records transcript and audio in the conversation.
 */
export class AgentEngine {
  private readonly detector: SpeechDetector;
  private readonly timers: { first?: NodeJS.Timeout; end?: NodeJS.Timeout; idle?: NodeJS.Timeout; reply?: NodeJS.Timeout } = {};
  private speaking: { utterance: Utterance; eventId: number; turn: SandboxTurn } | null = null;
  private stopped = false;
  private callerTurns = 0;

  constructor(
    private readonly o: AgentEngineOptions,
    private readonly transport: AgentTransport,
  ) {
    this.detector = new SpeechDetector(o.input.sampleRate);
  }

  start(): void {
    const { conversation, fault, lifecycle } = this.o;
    const slowBy = fault?.kind === 'slow-first-audio' ? (fault.delayMs ?? 5_000) : 0;
    if (conversation.firstMessage !== '') this.timers.first = lifecycle.timeout(() => this.say(conversation.firstMessage), this.o.firstAudioLatencyMs + slowBy);
    this.timers.end = lifecycle.timeout(() => {
      this.stop();
      this.transport.agentEnded();
    }, this.o.callDurationMs);
  }

  /** Caller audio in the conversation's input format. */
  hearCaller(encoded: Buffer): void {
    if (this.stopped) return;
    this.o.conversation.audio.push({ direction: 'user', atMs: nowMs(), format: this.o.input.name, bytes: encoded });
    for (const event of this.detector.push(decodeAudio(encoded, this.o.input))) this.onSpeech(event);
    this.o.lifecycle.clear(this.timers.idle);
    // A client that stops sending audio mid-sentence has stopped talking.
    this.timers.idle = this.o.lifecycle.timeout(() => this.detector.idle().forEach((e) => this.onSpeech(e)), END_OF_TURN_SILENCE_MS + 200);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of Object.values(this.timers)) this.o.lifecycle.clear(timer);
    this.speaking?.utterance.cancel();
  }

  private onSpeech(event: SpeechEvent): void {
    if (event.type === 'speech-started') {
      if (this.speaking?.utterance.audible() === true) this.interrupt();
      return;
    }
    const eventId = this.o.nextEventId();
    const text = CALLER_LINES[this.callerTurns % CALLER_LINES.length]!;
    this.addTurn('user', text);
    this.transport.userTranscript(text, eventId);
    const reply = AGENT_REPLIES[this.callerTurns % AGENT_REPLIES.length]!;
    this.callerTurns += 1;
    this.o.lifecycle.clear(this.timers.reply);
    this.timers.reply = this.o.lifecycle.timeout(() => this.say(reply), REPLY_DELAY_MS);
  }

  private interrupt(): void {
    const speaking = this.speaking!;
    speaking.utterance.cancel();
    speaking.turn.interrupted = true;
    this.speaking = null;
    this.transport.interruption(speaking.eventId);
  }

  private say(text: string): void {
    if (this.stopped || this.o.fault?.kind === 'no-audio') return;
    this.speaking?.utterance.cancel();
    const { conversation, output, pacing, lifecycle } = this.o;
    const eventId = this.o.nextEventId();
    const turn = this.addTurn('agent', text);
    this.transport.agentResponse(text, eventId);
    const audio = encodeAudio(synthesizeSpeech(conversation.voiceId, text, output.sampleRate), output);
    const utterance = new Utterance(chunkAudio(audio, output, pacing.chunkMs), audio.length / output.bytesPerMs, pacing, lifecycle, (chunk) => {
      conversation.audio.push({ direction: 'agent', atMs: nowMs(), format: output.name, bytes: chunk });
      this.transport.audio(chunk, eventId);
    });
    this.speaking = { utterance, eventId, turn };
    utterance.start();
  }

  private addTurn(role: SandboxTurn['role'], message: string): SandboxTurn {
    const c = this.o.conversation;
    const turn: SandboxTurn = { role, message, timeInCallSecs: Math.floor((nowMs() - c.startedAtMs) / 1000), interrupted: false };
    c.transcript.push(turn);
    return turn;
  }
}
