import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HoldMedia } from '../contracts/call';
import type { CallControl, CallParticipant, CaptureStream, PlaybackStream } from '../integrations/threecx/call-control';
import { isThreeCxError } from '../integrations/threecx/call-control';
import type { Logger } from '../logger';
import { Playout, type AudioSink, type PlayoutMode } from './media/playout';
import { Clip, Loop, Sequence, type AudioSource } from './media/sources';

/** `holding`: greeting/music/announcements; `bridged`: the agent speaks; `routing`: a routeto is pending. */
export type SessionState = 'ringing' | 'holding' | 'bridged' | 'routing' | 'left' | 'ended';

export interface SessionEnd {
  /** `caller`: the caller hung up (Remove, or their stream closed and 3CX no longer knows them). `us`: we dropped or routed the call. */
  by: 'caller' | 'us';
  reason: string;
  at: Date;
}

interface SessionEvents {
  ended: [SessionEnd];
  /** The caller's first audio byte was sent (ms since the session was created). */
  firstAudio: [number];
  /** Audio the caller speaks (raw PCM 8 kHz), for the agent bridge. */
  callerAudio: [Buffer];
}

export interface SessionOptions {
  callControl: CallControl;
  dn: string;
  leadMs: number;
  music: Buffer;
  log: Logger;
}

const REOPEN_DELAY_MS = 200;
const FRAME_POLL_MS = 20;

/**
 * One route-point participant: the caller's audio streams, what they hear (greeting, music, the
 * agent), and how the call left us. Streams are reopened when they break while the participant is
 * still there (a token refresh, a network blip): the playout keeps its place and its music.
 */
export class CallSession extends EventEmitter<SessionEvents> implements AudioSink {
  state: SessionState = 'ringing';
  participant: CallParticipant;
  readonly seenAt = new Date();
  /** The hold began with the greeting (a session resumed after a gateway restart starts with music). */
  greeted = false;
  private greetingBytes = 0;
  answered = false;
  end: SessionEnd | null = null;
  readonly playout: Playout;
  private playback: PlaybackStream | null = null;
  private capture: CaptureStream | null = null;
  private mediaStarted = false;
  /** Our leg vanished while a routeto was pending: answered, or the caller left (the routeto's reply says which). */
  vanishedWhileRouting: Omit<SessionEnd, 'at'> | null = null;
  private holdStartedAt: number | null = null;
  private connected: Promise<void>;
  private markConnected!: () => void;

  constructor(
    readonly participantId: number,
    participant: CallParticipant,
    private readonly options: SessionOptions,
  ) {
    super();
    this.participant = participant;
    const created = performance.now();
    this.playout = new Playout(this, options.leadMs, () => this.emit('firstAudio', performance.now() - created));
    this.connected = new Promise((resolve) => (this.markConnected = resolve));
  }

  get callId(): string {
    return String(this.participant.callid ?? '');
  }

  get isGone(): boolean {
    return this.end !== null;
  }

  update(participant: CallParticipant): void {
    this.participant = { ...this.participant, ...participant };
    if (participant.status === 'Connected') this.markConnected();
  }

  /** Resolves once 3CX reports the participant Connected (streams open only then [CCX]). */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.participant.status === 'Connected') return true;
    const timer = sleep(timeoutMs).then(() => false);
    return Promise.race([this.connected.then(() => true), timer]);
  }

  /** Answers a Ringing participant; a refusal is fine (the route point may auto-connect, UNCONFIRMED A.5). */
  async answer(): Promise<void> {
    const { callControl, dn, log } = this.options;
    try {
      await callControl.rest.action(dn, this.participantId, 'answer', {});
      this.answered = true;
    } catch (err) {
      if (!isThreeCxError(err, 'badRequest') && !isThreeCxError(err, 'participantGone')) throw err;
      log.debug({ participantId: this.participantId, err }, 'answer refused; the route point connects by itself');
    }
  }

  /** Starts greeting (if any) then looping music at once; opens the streams if need be. */
  hold(greeting: Buffer | null): void {
    this.state = 'holding';
    const music = new Loop(this.options.music);
    this.play(greeting ? new Sequence([new Clip(greeting), music]) : music, 'hold');
    if (greeting) {
      this.greeted = true;
      this.greetingBytes = greeting.length;
    }
    this.holdStartedAt ??= performance.now();
  }

  /**
   * Resolves once the greeting has been sent but for its last `remainingMs`: the agent never
   * takes over mid-sentence, and its conversation need not start long before it may speak.
   */
  async greetingSent(remainingMs = 0): Promise<void> {
    while (!this.isGone && this.playout.stats.bytesWritten < this.greetingBytes - remainingMs * 16) await sleep(FRAME_POLL_MS);
  }

  /**
   * Resolves once the caller has heard the whole greeting, including what the PBX still held: a
   * route or a drop takes the call away from our stream, and with it whatever it had not played.
   */
  async greetingHeard(): Promise<void> {
    await this.greetingSent();
    await this.heardBy(this.playout.heardAt(this.greetingBytes));
  }

  /** Says `clip`, then music again; resolves when the clip has reached the caller's ear. */
  async say(clip: Buffer): Promise<void> {
    this.state = 'holding';
    this.play(new Sequence([new Clip(clip), new Loop(this.options.music)]), 'hold');
    await this.heardBy(performance.now() + this.playout.bufferedMs() + clip.length / 16);
  }

  private async heardBy(at: number): Promise<void> {
    while (!this.isGone && performance.now() < at) await sleep(Math.min(100, at - performance.now()));
  }

  /** Back to music (the agent dropped out, a route failed). */
  resumeMusic(): void {
    this.state = 'holding';
    this.play(new Loop(this.options.music), 'hold');
  }

  /** From now on the caller hears `source` (the agent), whose pauses are not dead air. */
  goLive(source: AudioSource): void {
    this.state = 'bridged';
    this.play(source, 'live');
  }

  /** What the hold cost the caller so far. */
  holdMedia(): HoldMedia {
    const started = this.holdStartedAt ?? performance.now();
    return { holdMs: Math.round(performance.now() - started), deadAirMs: Math.round(this.playout.stats.deadAirMs) };
  }

  write(pcm: Buffer): boolean {
    return this.playback ? this.playback.write(pcm) : false;
  }

  /** Wall-clock time of the first byte the caller was sent, null before. */
  firstAudioAt(): Date | null {
    const first = this.playout.stats.firstByteAt;
    return first === null ? null : new Date(performance.timeOrigin + first);
  }

  /**
   * The participant is gone (Remove event, drop, route): stop everything, tell listeners once.
   * While a routeto is pending our leg vanishing may mean the destination answered (it replaces
   * our leg [NET RouteToAsync]), so the caller's departure waits for the routeto's outcome.
   */
  finish(end: Omit<SessionEnd, 'at'>): void {
    if (this.end) return;
    if (end.by === 'caller' && this.state === 'routing') {
      this.vanishedWhileRouting ??= end;
      return;
    }
    this.end = { ...end, at: new Date() };
    this.state = 'ended';
    this.playout.stop();
    this.playback?.abort();
    this.capture?.close();
    this.emit('ended', this.end);
  }

  private play(source: AudioSource, mode: PlayoutMode): void {
    if (this.isGone) return;
    this.playout.play(source, mode);
    this.startMedia();
  }

  private startMedia(): void {
    if (this.mediaStarted) return;
    this.mediaStarted = true;
    void this.keepPlaybackOpen();
    void this.keepCaptureOpen();
  }

  /** Streams open only for a Connected participant [CCX]; resolves false if it leaves first. */
  private untilConnected(): Promise<boolean> {
    if (this.isGone) return Promise.resolve(false);
    return Promise.race([this.connected.then(() => !this.isGone), new Promise<boolean>((resolve) => this.once('ended', () => resolve(false)))]);
  }

  /** Our audio to the caller; while it is reopened the playout pauses (the gap counts as dead air). */
  private keepPlaybackOpen(): Promise<void> {
    const { callControl, dn, log } = this.options;
    return this.keepOpen('the playback stream', () => callControl.streams.openPlayback(dn, this.participantId), async (stream) => {
      if (this.isGone) {
        stream.abort();
        return true;
      }
      this.playback = stream;
      this.playout.run();
      const { error } = await stream.closed;
      this.playout.pause();
      if (this.playback === stream) this.playback = null;
      if (error && !this.isGone) log.warn({ participantId: this.participantId, err: error }, 'playback stream to 3CX broke; reopening');
      return false;
    });
  }

  /** The caller's audio; it ends when they leave [CCX], while a broken one (a token refresh) is reopened. */
  private keepCaptureOpen(): Promise<void> {
    const { callControl, dn } = this.options;
    return this.keepOpen('the caller’s stream', () => callControl.streams.openCapture(dn, this.participantId), async (stream) => {
      this.capture = stream;
      void this.pumpCallerAudio(stream);
      const closed = await stream.closed;
      if (this.isGone) return true;
      if (closed.reason !== 'ended' || !(await this.participantGone())) return false;
      this.finish({ by: 'caller', reason: 'caller_hung_up' });
      return true;
    });
  }

  /** Opens a stream once the participant is connected, and again whenever it breaks while they are there. `use` → true: stop. */
  private async keepOpen<S>(what: string, open: () => Promise<S>, use: (stream: S) => Promise<boolean>): Promise<void> {
    if (!(await this.untilConnected())) return;
    while (!this.isGone) {
      try {
        if (await use(await open())) return;
      } catch (err) {
        if (await this.goneAfter(err)) return;
        this.options.log.warn({ participantId: this.participantId, err }, `could not open ${what}; retrying`);
      }
      await sleep(REOPEN_DELAY_MS);
    }
  }

  private async pumpCallerAudio(stream: CaptureStream): Promise<void> {
    for await (const chunk of stream.chunks) this.emit('callerAudio', chunk);
  }

  private async goneAfter(err: unknown): Promise<boolean> {
    if (this.isGone) return true;
    if (isThreeCxError(err, 'participantGone') && (await this.participantGone())) {
      this.finish({ by: 'caller', reason: 'caller_hung_up' });
      return true;
    }
    return false;
  }

  private async participantGone(): Promise<boolean> {
    try {
      await this.options.callControl.rest.getParticipant(this.options.dn, this.participantId);
      return false;
    } catch (err) {
      return isThreeCxError(err, 'participantGone');
    }
  }
}
