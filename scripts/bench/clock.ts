import { nowMs } from './stats';

/**
 * Date.now() − (performance.timeOrigin + performance.now()), sampled through the run. The
 * simulator and Temporal stamp with the wall clock, the sandbox and the probes with the monotonic
 * one; the two drift apart by milliseconds a minute (measured: ~2 ms/min here), so each wall-clock
 * stamp is moved onto the monotonic clock with the difference of its own moment.
 */
export class ClockSkew {
  private readonly samples: { at: number; skew: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 500) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** A wall-clock epoch (Date.now()) as the monotonic epoch of the same moment. */
  toMonotonic(dateMs: number): number {
    let best = this.samples[0]!;
    for (const s of this.samples) if (Math.abs(s.at - dateMs) < Math.abs(best.at - dateMs)) best = s;
    return dateMs - best.skew;
  }

  private sample(): void {
    const now = Date.now();
    this.samples.push({ at: now, skew: now - nowMs() });
  }
}
