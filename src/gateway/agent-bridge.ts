import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createResampler, parseAudioFormat, pcm16ToUlaw, ulawToPcm16, type StreamResampler } from '../audio';
import type { DynamicVariables } from '../contracts/gateway';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { AgentConnectError, openAgentConversation, type AgentConversation, type AgentConversationClose } from '../integrations/elevenlabs';
import type { CallSession } from './call-session';
import { callerGone } from './failures';
import { LiveFeed } from './media/sources';

/** ElevenLabs' default for both directions when an agent does not say (its docs recommend pcm_8000 for telephony). */
const DEFAULT_FORMAT = 'pcm_16000';
/** The conversation opens this long before the greeting ends: about what an agent takes to speak first. */
const AGENT_HEAD_START_MS = 1000;
/**
 * Hold audio queued at the PBX while the agent connects (THREECX_PLAYBACK_LEAD_MS otherwise): the
 * agent's first word waits behind it. Well above the gateway's event-loop delays (p99 ≈ 2 ms, max
 * ≈ 20 ms in `npm run bench`), so the music does not break up meanwhile.
 */
const CONNECTING_LEAD_MS = 60;

export interface BridgeRequest {
  elevenlabs: ElevenLabsClient;
  agentId: string;
  session: CallSession;
  callId: string;
  voiceId: string;
  firstMessage: string;
  dynamicVariables: DynamicVariables;
  connectTimeoutMs: number;
  signal: AbortSignal;
}

interface BridgeEvents {
  /** The agent's socket closed after the caller heard it (not when we closed it). */
  closed: [AgentConversationClose];
}

/**
 * The caller's audio to an ElevenLabs agent conversation and the agent's audio to the caller. The
 * conversation starts with the chosen voice as a TTS override [ELD asyncapi]; the caller keeps
 * hearing music until the agent's first audio is here, then hears the agent (no gap, no overlap).
 * Formats other than pcm_8000 are resampled (μ-law decoded) on the way.
 */
export class AgentBridge extends EventEmitter<BridgeEvents> {
  readonly feed = new LiveFeed();
  firstAudioAt: Date | null = null;
  /** How the agent's socket closed (not by us), once it has. */
  closeInfo: AgentConversationClose | null = null;
  private closedByUs = false;

  private constructor(
    readonly callId: string,
    readonly conversation: AgentConversation,
    private readonly session: CallSession,
  ) {
    super();
  }

  get conversationId(): string {
    return this.conversation.conversationId;
  }

  get agentOutputFormat(): string {
    return this.conversation.agentOutputAudioFormat ?? DEFAULT_FORMAT;
  }

  get userInputFormat(): string {
    return this.conversation.userInputAudioFormat ?? DEFAULT_FORMAT;
  }

  /** Opens the conversation and resolves once the caller hears the agent; music plays until then. */
  static async connect(req: BridgeRequest): Promise<AgentBridge> {
    // Stops when the step is cancelled, and at once when the caller hangs up (not a heartbeat later).
    const { signal, release } = untilCallerGone(req.session, req.signal);
    try {
      await req.session.greetingSent(AGENT_HEAD_START_MS);
      req.session.playout.shortLead(CONNECTING_LEAD_MS);
      const deadline = performance.now() + req.connectTimeoutMs;
      const url = await req.elevenlabs.getSignedUrl(req.agentId, { signal });
      const conversation = await openAgentConversation({
        url,
        initiation: { voiceId: req.voiceId, firstMessage: req.firstMessage, dynamicVariables: req.dynamicVariables, userId: req.callId },
        connectTimeoutMs: Math.max(1, deadline - performance.now()),
        signal,
      });
      const bridge = new AgentBridge(req.callId, conversation, req.session);
      try {
        await bridge.wire();
        await bridge.firstAudio(deadline - performance.now(), signal);
        await req.session.greetingSent();
        if (req.session.isGone) throw callerGone('The caller hung up while the agent was connecting');
      } catch (err) {
        bridge.close();
        throw err;
      }
      bridge.session.goLive(bridge.feed);
      bridge.pipeCaller();
      return bridge;
    } catch (err) {
      throw req.session.isGone ? callerGone('The caller hung up while the agent was connecting') : err;
    } finally {
      // Live: the agent's audio plays at the normal lead already. Not live: the music goes on at it.
      req.session.playout.normalLead();
      release();
    }
  }

  /** Ends the conversation (the caller left, the call is being ended). */
  close(): void {
    this.closedByUs = true;
    this.feed.end();
    this.conversation.close(1000, 'call ended');
  }

  private async wire(): Promise<void> {
    const toCaller = await agentToCaller(this.agentOutputFormat);
    this.conversation.on('audio', ({ audio }) => {
      const pcm = toCaller(audio);
      if (pcm.length === 0) return;
      this.feed.push(pcm, performance.now());
      this.firstAudioAt ??= new Date();
    });
    this.conversation.on('interruption', () => this.feed.clear());
    this.conversation.once('close', (close) => {
      this.feed.end();
      if (this.closedByUs) return;
      this.closeInfo = close;
      this.emit('closed', close);
    });
  }

  private firstAudio(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        clearInterval(poll);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(
        () => done(new AgentConnectError('agentUnavailable', `The agent did not speak within ${Math.round(timeoutMs)} ms of the conversation start`)),
        Math.max(1, timeoutMs),
      );
      const poll = setInterval(() => {
        if (this.feed.bufferedBytes > 0) done();
        else if (this.closeInfo) done(closedBeforeSpeaking(this.closeInfo));
      }, 5);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private pipeCaller(): void {
    void callerToAgent(this.userInputFormat).then((convert) => {
      const forward = (pcm: Buffer) => {
        const out = convert(pcm);
        if (out.length > 0) this.conversation.sendUserAudio(out);
      };
      this.session.on('callerAudio', forward);
      this.conversation.once('close', () => this.session.off('callerAudio', forward));
    });
  }
}

/** An abort signal that fires with `outer`, or when the caller's session ends. */
function untilCallerGone(session: CallSession, outer: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onOuter = () => controller.abort(outer.reason);
  const onEnded = () => controller.abort(callerGone('The caller hung up while the agent was connecting'));
  if (outer.aborted) onOuter();
  if (session.isGone) onEnded();
  outer.addEventListener('abort', onOuter, { once: true });
  session.once('ended', onEnded);
  return {
    signal: controller.signal,
    release: () => {
      outer.removeEventListener('abort', onOuter);
      session.off('ended', onEnded);
    },
  };
}

/** A refused override can close the socket just after the metadata (UNCONFIRMED timing): that is a refusal too. */
function closedBeforeSpeaking(close: AgentConversationClose): AgentConnectError {
  const kind = close.refused ? 'agentRefused' : 'agentUnavailable';
  return new AgentConnectError(kind, `The agent closed the conversation before speaking (${close.code} ${close.reason})`, { closeCode: close.code, closeReason: close.reason });
}

/** The agent's output format → 8 kHz s16le for the 3CX stream. */
async function agentToCaller(format: string): Promise<(audio: Buffer) => Buffer> {
  const parsed = parseAudioFormat(format);
  if (!parsed) throw new AgentConnectError('agentRefused', `The agent's output format ${format} cannot be played on a 3CX stream (set it to pcm_8000)`);
  if (parsed.encoding === 'ulaw') return ulawToPcm16;
  return resampling(await createResampler(parsed.sampleRate, 8000));
}

/** 8 kHz s16le from the 3CX stream → the agent's input format. */
async function callerToAgent(format: string): Promise<(pcm: Buffer) => Buffer> {
  const parsed = parseAudioFormat(format);
  if (!parsed || parsed.encoding === 'ulaw') return pcm16ToUlaw;
  return resampling(await createResampler(8000, parsed.sampleRate));
}

function resampling(resampler: StreamResampler): (audio: Buffer) => Buffer {
  return (audio) => resampler.push(audio);
}
