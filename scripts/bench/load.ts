import { synthesizeSpeech } from '../../simulators/audio';
import type { SimulatedCall, ThreeCxSimulator } from '../../simulators/threecx';
import { callWorkflowId } from '../../src/contracts/call';
import { silence } from '../../src/audio';
import type { CallPlan, PlannedCall } from './plan';
import { nowMs } from './stats';

export interface PlacedCall {
  plan: PlannedCall;
  call: SimulatedCall;
  workflowId: string;
  /** Epoch ms (sub-ms) when the caller dialled. */
  placedAt: number;
}

const CALLER_LINE = 'Yes, thanks.';
export const CALLER_VOICE = 'bench-caller';

/**
 * What every caller says, looped from the moment they dial: silence, then a short line, every
 * `everyMs`. The agent answers each line (≥300 ms of speech, then a pause) with a short reply.
 */
export function callerTalk(everyMs: number): Buffer | undefined {
  if (everyMs === 0) return undefined;
  const line = synthesizeSpeech(CALLER_VOICE, CALLER_LINE);
  return Buffer.concat([silence(Math.max(0, everyMs - line.length / 16)), line]);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A caller dials the DID of `pbx`, whose calls the service knows by `pbxName` (THREECX_PBX). */
export function placeCall(pbx: ThreeCxSimulator, pbxName: string, plan: PlannedCall, talk: Buffer | undefined, hangUpAfterMs?: number): PlacedCall {
  const placedAt = nowMs();
  const call = pbx.placeCall({ callerNumber: plan.caller.number, did: '+4930123456', ...(talk ? { talk } : {}), ...(hangUpAfterMs ? { hangUpAfterMs } : {}) });
  return { plan, call, workflowId: callWorkflowId(pbxName, String(call.callid)), placedAt };
}

/** Every planned caller dials at its offset (a burst: all in one tick); stops early at the deadline or on abort. */
export async function drive(pbx: ThreeCxSimulator, pbxName: string, plan: CallPlan, talk: Buffer | undefined, deadline: number, signal?: AbortSignal): Promise<PlacedCall[]> {
  const started = nowMs() + 20;
  const placed: PlacedCall[] = [];
  for (const call of plan.calls) {
    const wait = started + call.offsetMs - nowMs();
    if (wait > 1) await sleep(wait, signal);
    if (signal?.aborted || Date.now() >= deadline) break;
    placed.push(placeCall(pbx, pbxName, call, talk));
  }
  return placed;
}

/** Until every call has ended at the simulator (the caller's side of the line), or the deadline. */
export async function waitForCallsToEnd(calls: readonly PlacedCall[], deadline: number, signal?: AbortSignal, onProgress?: (live: number) => void): Promise<void> {
  let lastReport = Date.now();
  for (;;) {
    const live = calls.filter((c) => c.call.state !== 'ended').length;
    if (live === 0 || Date.now() >= deadline || signal?.aborted) return;
    if (onProgress && Date.now() - lastReport > 5_000) {
      onProgress(live);
      lastReport = Date.now();
    }
    await sleep(250, signal);
  }
}
