/**
 * Dynamic configuration for every Temporal dev server this project starts (`npm start`, the
 * tests, the benchmark).
 *
 * The dev server runs one history shard, and each shard's transfer-queue reader polls for new
 * tasks at most `history.transferProcessorMaxPollRPS` times a second (default 20). Every workflow
 * task therefore waited 0–50 ms (measured: 33 ms p50) before it was even offered to a worker, and
 * a start → activity → result round trip took 100 ms instead of 39 ms. A production cluster has
 * hundreds of shards and does not show this; see docs/PERFORMANCE.md.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: readonly string[] = ['history.transferProcessorMaxPollRPS=1000'];

/** `extraArgs` for `TestWorkflowEnvironment.createLocal`: the settings above, then `more`. */
export function devServerArgs(more: readonly string[] = [], dynamicConfig: readonly string[] = []): string[] {
  return [...[...DEV_SERVER_DYNAMIC_CONFIG, ...dynamicConfig].flatMap((kv) => ['--dynamic-config-value', kv]), ...more];
}
