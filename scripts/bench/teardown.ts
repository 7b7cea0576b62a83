/** Everything the bench started, stopped in reverse order; each step bounded, none throwing. */
export class Teardown {
  private readonly steps: { what: string; run: () => Promise<unknown> }[] = [];

  add(what: string, run: () => unknown): void {
    this.steps.push({ what, run: () => Promise.resolve().then(run) });
  }

  /** Runs every step (last added first); returns what could not be cleaned up. */
  async run(stepTimeoutMs = 30_000): Promise<string[]> {
    const problems: string[] = [];
    // A client still retrying an RPC when its connection is closed throws from a timer (grpc-js
    // "Channel has been shut down"): during teardown that is expected, not fatal.
    const onUncaught = (err: unknown) => problems.push(`after teardown began: ${err instanceof Error ? err.message : String(err)}`);
    process.on('uncaughtException', onUncaught);
    for (const step of this.steps.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${stepTimeoutMs} ms`)), stepTimeoutMs);
      });
      try {
        await Promise.race([step.run(), timeout]);
      } catch (err) {
        problems.push(`${step.what}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    // Retry timers of closed clients fire up to a few seconds later.
    setTimeout(() => process.off('uncaughtException', onUncaught), 15_000).unref();
    return problems;
  }
}
