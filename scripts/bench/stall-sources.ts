import type { CallRecord } from './collect';
import type { MemoryReading } from './memory';
import { summarizePauses, type GcPause, type PauseSummary } from './pauses';
import { summarize, type Summary } from './stats';

/** Where the agent-audio stalls the callers heard line up with a process being held up. */
export interface StallSources {
  stalls: number;
  /** This process (the simulators — the sandbox agent sends its audio from here) collected garbage for ≥ 20 ms in the 500 ms before the stall began. */
  whileSimulatorsPaused: number;
  /** `--processes separate`: the gateway's event loop was held up ≥ 100 ms in the half second around the stall. */
  whileGatewayHeldUp: number;
  /** Neither. */
  unexplained: number;
  simulatorGc: PauseSummary;
  /** `--processes separate`: the gateway's longest event-loop delay per half second, over the run. */
  gatewayLoopLagMaxMs: Summary;
}

const SIM_PAUSE_MS = 20;
const GATEWAY_LAG_MS = 100;
/** A pause upstream shows at the ear once the audio queued downstream (≤ the playback lead and the feed) is used up. */
const LOOKBACK_MS = 500;

export function stallSources(calls: readonly CallRecord[], gc: readonly GcPause[], readings: readonly MemoryReading[], from: number, to: number): StallSources {
  const stalls = calls.flatMap((c) => c.agentStallsAt);
  const longGc = gc.filter((p) => p.durationMs >= SIM_PAUSE_MS);
  const lagged = readings.filter((m) => m.loopLagMaxMs >= GATEWAY_LAG_MS);
  let sims = 0;
  let gateway = 0;
  let unexplained = 0;
  for (const at of stalls) {
    const bySims = longGc.some((p) => p.at + p.durationMs >= at - LOOKBACK_MS && p.at <= at);
    // A reading covers the half second before it was taken.
    const byGateway = lagged.some((m) => m.at >= at && m.at - 1_000 <= at);
    if (bySims) sims += 1;
    if (byGateway) gateway += 1;
    if (!bySims && !byGateway) unexplained += 1;
  }
  const lags = readings.filter((m) => m.at >= from && m.at <= to && Number.isFinite(m.loopLagMaxMs)).map((m) => m.loopLagMaxMs);
  return {
    stalls: stalls.length,
    whileSimulatorsPaused: sims,
    whileGatewayHeldUp: gateway,
    unexplained,
    simulatorGc: summarizePauses(gc.filter((p) => p.at >= from && p.at <= to)),
    gatewayLoopLagMaxMs: summarize(lags),
  };
}
