import type { Lifecycle } from '../lifecycle';
import { nowMs } from '../util';

export interface Pacing {
  /** Audio per chunk. */
  chunkMs: number;
  /** How much faster than real time chunks go out (1 = real time). */
  speedup: number;
}

/**
 * One agent utterance going out chunk by chunk. The listener is assumed to play it in real time
 * from the first chunk, so it is audible until then + its duration, even after the last chunk left.
 */
export class Utterance {
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;
  private cancelled = false;

  constructor(
    private readonly chunks: Buffer[],
    readonly durationMs: number,
    private readonly pacing: Pacing,
    private readonly lifecycle: Lifecycle,
    private readonly send: (chunk: Buffer) => void,
  ) {}

  start(): void {
    this.startedAtMs = nowMs();
    this.sendNext();
  }

  /** Stops sending; returns whether anything was still audible. */
  cancel(): boolean {
    const wasAudible = this.audible();
    this.cancelled = true;
    this.lifecycle.clear(this.timer);
    return wasAudible;
  }

  audible(): boolean {
    return !this.cancelled && this.startedAtMs > 0 && nowMs() < this.startedAtMs + this.durationMs;
  }

  private sendNext(): void {
    if (this.cancelled || this.next >= this.chunks.length) return;
    this.send(this.chunks[this.next]!);
    this.next += 1;
    // Scheduled against the start time, so timer lateness does not add up over a long utterance.
    const dueAt = this.startedAtMs + (this.next * this.pacing.chunkMs) / this.pacing.speedup;
    this.timer = this.lifecycle.timeout(() => this.sendNext(), dueAt - nowMs());
  }
}
