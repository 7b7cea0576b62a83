import { setMaxListeners } from 'node:events';

/**
 * What reset() and close() tear down: an abort signal every in-flight request listens on, timers,
 * and live conversations (WebSocket sessions, SIP calls). The signal carries one listener per
 * concurrent request by design, so it has no listener cap.
 */
export class Lifecycle {
  private controller = Lifecycle.newController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stoppers = new Set<() => void>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A timer that reset() and close() cancel. */
  timeout(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, ms));
    this.timers.add(timer);
    return timer;
  }

  clear(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Registers something live to stop on reset/close; returns the function that unregisters it. */
  track(stop: () => void): () => void {
    this.stoppers.add(stop);
    return () => this.stoppers.delete(stop);
  }

  restart(reason: string): void {
    this.controller.abort(new Error(reason));
    this.controller = Lifecycle.newController();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const stoppers = [...this.stoppers];
    this.stoppers.clear();
    for (const stop of stoppers) stop();
  }

  private static newController(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }
}
