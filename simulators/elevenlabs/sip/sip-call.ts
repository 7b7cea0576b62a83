import { EventEmitter } from 'node:events';
import { AgentEngine, type AgentTransport } from '../agent-runtime/engine';
import { parseAudioFormat } from '../audio-format/formats';
import { type ConversationEnd, finishConversation } from '../conversations/finish';
import type { SandboxConversation } from '../conversations/model';
import type { SandboxState } from '../state';
import type { ConversationFaultSpec } from '../types';
import { pickLatency } from '../util';

/** An answered inbound SIP call, seen from the trunk side (the 3CX simulator). */
export interface SipCall {
  conversationId: string;
  /** Caller audio: s16le mono 8 kHz (G.711 on the real wire, PCM here). */
  onCallerAudio(pcm8k: Buffer): void;
  /** 'data' (Buffer, s16le mono 8 kHz, in real time) and 'end'. */
  agentAudio: EventEmitter;
  hangUp(): void;
  ended: Promise<void>;
}

// SIP media: G.711 8 kHz [ELD guides/sip-trunking.mdx], as RTP-like 20 ms frames in real time.
const PCM_8K = parseAudioFormat('pcm_8000')!;
const PACING = { chunkMs: 20, speedup: 1 };

export class SandboxSipCall implements SipCall, AgentTransport {
  readonly agentAudio = new EventEmitter();
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;
  private readonly engine: AgentEngine;
  private readonly untrack: () => void;
  private over = false;
  private eventIds = 0;

  constructor(
    private readonly state: SandboxState,
    private readonly conversation: SandboxConversation,
    private readonly fault: ConversationFaultSpec | undefined,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    const { config, random, lifecycle } = state;
    this.engine = new AgentEngine(
      {
        conversation,
        input: PCM_8K,
        output: PCM_8K,
        pacing: PACING,
        firstAudioLatencyMs: pickLatency(config.agentFirstAudioLatencyMs, random),
        callDurationMs: pickLatency(config.callDurationMs, random),
        fault,
        lifecycle,
        nextEventId: () => ++this.eventIds,
      },
      this,
    );
    this.untrack = lifecycle.track(() => this.end({ reason: 'Sandbox reset', postCall: false }));
  }

  get conversationId(): string {
    return this.conversation.conversationId;
  }

  start(): void {
    this.engine.start();
    const fault = this.fault;
    if (fault?.kind !== 'drop' && fault?.kind !== 'close-1011') return;
    this.state.lifecycle.timeout(() => this.end({ reason: 'Call dropped', error: { code: fault.kind === 'drop' ? 1006 : 1011, reason: 'Call dropped' } }), fault.afterMs ?? 1_000);
  }

  onCallerAudio(pcm8k: Buffer): void {
    if (!this.over) this.engine.hearCaller(pcm8k);
  }

  hangUp(): void {
    this.end({ reason: 'Call ended by remote party' });
  }

  audio(chunk: Buffer): void {
    this.agentAudio.emit('data', chunk);
  }

  // A phone line carries only audio: text events have nowhere to go, and an interruption just stops the audio.
  agentResponse(): void {}
  userTranscript(): void {}
  interruption(): void {}

  agentEnded(): void {
    this.end({ reason: 'Call ended by the agent' });
  }

  private end(end: ConversationEnd): void {
    if (this.over) return;
    this.over = true;
    this.untrack();
    this.engine.stop();
    finishConversation(this.state, this.conversation, end);
    this.agentAudio.emit('end');
    this.resolveEnded();
  }
}
