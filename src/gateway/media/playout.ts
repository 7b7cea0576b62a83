import { performance } from 'node:perf_hooks';
import type { AudioSource } from './sources';

/** 16 bytes per ms: s16le mono at 8 kHz, the 3CX stream format [CCX utils.ts]. */
export const BYTES_PER_MS = 16;
const FRAME_MS = 20;
const TICK_MS = 10;
/** Longer silences inside the agent's audio are turns or pauses, not network stalls. */
const STALL_MAX_MS = 300;

export interface AudioSink {
  /** false: the connection is backed up; write no more this tick. */
  write(pcm: Buffer): boolean;
}

/** `hold`: greeting, music, announcements — a gap is dead air. `live`: the agent, who pauses between words. */
export type PlayoutMode = 'hold' | 'live';

export interface PlayoutStats {
  /** performance.now() of the first byte written, null before. */
  firstByteAt: number | null;
  bytesWritten: number;
  /** Hold audio the caller did not get in time (the PBX's buffer ran dry). */
  deadAirMs: number;
  /** Live audio that stalled while the agent was speaking (its audio arrived too late). */
  liveStallMs: number;
  liveStalls: number;
}

/**
 * Streams a call's audio into its 3CX POST stream in real time, never more than `leadMs` ahead
 * of the caller's ear (3CX's example stays within 500 ms [CCX writeSlicedAudioStream]). Switching
 * the source (music → agent) drops only what was not yet sent: what the PBX holds keeps playing,
 * so the caller hears no gap if the new source has audio ready.
 */
export class Playout {
  private source: AudioSource | null = null;
  private mode: PlayoutMode = 'hold';
  /** Where the caller's ear will be when everything written so far has played (ms, perf clock). */
  private playhead = 0;
  /** Live mode: when the PBX's buffer ran dry (the ear reached the end of the agent's audio). */
  private dryAt: number | null = null;
  private started = false;
  private leadMs: number;
  readonly stats: PlayoutStats = { firstByteAt: null, bytesWritten: 0, deadAirMs: 0, liveStallMs: 0, liveStalls: 0 };

  constructor(
    private readonly sink: AudioSink,
    private readonly normalLeadMs: number,
    /** Called once, when the first byte is handed to the sink. */
    private readonly onFirstByte: () => void = () => undefined,
    private readonly ticker: Ticker = sharedTicker,
  ) {
    this.leadMs = normalLeadMs;
  }

  /** Plays `source` from now on; anything of the old source not yet sent is dropped. */
  play(source: AudioSource, mode: PlayoutMode): void {
    this.source = source;
    this.mode = mode;
    this.leadMs = this.normalLeadMs;
    this.dryAt = null;
    if (this.running) this.tick();
  }

  get playing(): PlayoutMode | null {
    return this.source ? this.mode : null;
  }

  get running(): boolean {
    return this.ticker.has(this);
  }

  /** Starts (or resumes) sending: the sink is ready. A pause counts as a gap the caller heard. */
  run(): void {
    if (this.running) return;
    if (!this.started) {
      this.started = true;
      this.playhead = performance.now();
    }
    this.ticker.add(this);
    this.tick();
  }

  /** The sink is gone for now (a stream being reopened); the playhead stays where the ear is. */
  pause(): void {
    this.ticker.remove(this);
  }

  /**
   * Keeps at most `ms` queued at the PBX (never more than the normal lead) until the next `play`
   * or `normalLead`: what is queued when the next source starts is what the caller hears before
   * it, so a short lead while the agent connects brings the agent that much sooner.
   */
  shortLead(ms: number): void {
    this.leadMs = Math.min(ms, this.normalLeadMs);
  }

  normalLead(): void {
    this.leadMs = this.normalLeadMs;
  }

  /** When the caller's ear reaches the end of the first `bytes` written (a past time once it has). */
  heardAt(bytes: number): number {
    return this.playhead - (this.stats.bytesWritten - bytes) / BYTES_PER_MS;
  }

  /** How much audio the PBX still holds: what the caller hears before anything new. */
  bufferedMs(): number {
    return Math.max(0, this.playhead - performance.now());
  }

  stop(): void {
    this.source = null;
    this.ticker.remove(this);
  }

  tick(): void {
    if (!this.source) return;
    const now = performance.now();
    if (this.playhead < now) this.noteGap(now - this.playhead, now);
    while (this.playhead - now < this.leadMs) {
      const chunk = this.source.read(FRAME_MS * BYTES_PER_MS);
      if (chunk === null) {
        this.source = null;
        return;
      }
      if (chunk.length === 0) return;
      const writable = this.sink.write(chunk);
      if (this.stats.firstByteAt === null) {
        this.stats.firstByteAt = now;
        this.onFirstByte();
      }
      this.stats.bytesWritten += chunk.length;
      this.playhead += chunk.length / BYTES_PER_MS;
      if (this.dryAt !== null) this.noteResume(now);
      if (!writable) return;
    }
  }

  private noteGap(gapMs: number, now: number): void {
    if (this.stats.firstByteAt !== null) {
      if (this.mode === 'hold') this.stats.deadAirMs += gapMs;
      else this.dryAt ??= this.playhead;
    }
    this.playhead = now;
  }

  /** Live audio resumed after the buffer ran dry: a short gap is a stall (late audio), a long one a pause between turns. */
  private noteResume(now: number): void {
    const gap = now - (this.dryAt ?? now);
    this.dryAt = null;
    if (this.mode === 'live' && gap >= FRAME_MS && gap < STALL_MAX_MS) {
      this.stats.liveStallMs += gap;
      this.stats.liveStalls += 1;
    }
  }
}

/** One timer drives every playout of the process (a hundred calls need not mean a hundred timers). */
export class Ticker {
  private readonly playouts = new Set<Playout>();
  private timer: NodeJS.Timeout | null = null;

  has(p: Playout): boolean {
    return this.playouts.has(p);
  }

  add(p: Playout): void {
    this.playouts.add(p);
    this.timer ??= setInterval(() => {
      for (const playout of this.playouts) playout.tick();
    }, TICK_MS);
  }

  remove(p: Playout): void {
    this.playouts.delete(p);
    if (this.playouts.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

const sharedTicker = new Ticker();
