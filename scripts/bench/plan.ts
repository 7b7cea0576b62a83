import { randomInt } from 'node:crypto';
import type { BenchOptions } from './options';

/**
 * What a caller is, decided when the caller is first drawn:
 * - cached:   external number with a live cached clone → the agent speaks in it at once
 * - sample:   external number with a voice sample (and consent) → fresh clone while the caller
 *             holds (concurrent calls share the job; later calls hit the cache it filled)
 * - nosample: external number without a sample → default voice, fallback `no_sample`
 * - internal: 3CX extension → default voice, fallback `internal_caller`, no clone job
 */
export type CallerKind = 'cached' | 'sample' | 'nosample' | 'internal';

export interface PlannedCaller {
  number: string;
  e164: string | null;
  kind: CallerKind;
}

export interface PlannedCall {
  index: number;
  caller: PlannedCaller;
  /** The caller already called earlier in this run. */
  repeat: boolean;
  /** When the caller dials, from the start of the run. */
  offsetMs: number;
}

export interface CallPlan {
  calls: PlannedCall[];
  callers: PlannedCaller[];
}

/** mulberry32: small, seedable, good enough to draw a caller mix reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type MixOptions = Pick<BenchOptions, 'mode' | 'rate' | 'calls' | 'seed' | 'repeatShare' | 'internalShare' | 'sampleShare' | 'cachedShare'>;

export function planCalls(options: MixOptions): CallPlan {
  const random = prng(options.seed);
  // Numbers differ between runs so an attached database's cache never answers for this run.
  const numberBase = randomInt(0, 80_000_000);
  const callers: PlannedCaller[] = [];
  const calls: PlannedCall[] = [];
  let internal = 0;
  for (let index = 0; index < options.calls; index++) {
    let caller: PlannedCaller;
    const repeat = callers.length > 0 && random() < options.repeatShare;
    if (repeat) {
      caller = callers[Math.floor(random() * callers.length)]!;
    } else {
      if (random() < options.internalShare) {
        caller = { number: String(100 + (internal++ % 900)), e164: null, kind: 'internal' };
      } else {
        const e164 = `+49151${String(numberBase + callers.length).padStart(8, '0')}`;
        const kind: CallerKind = random() < options.sampleShare ? (random() < options.cachedShare ? 'cached' : 'sample') : 'nosample';
        caller = { number: e164, e164, kind };
      }
      callers.push(caller);
    }
    calls.push({ index, caller, repeat, offsetMs: options.mode === 'burst' ? 0 : (index * 1000) / options.rate });
  }
  return { calls, callers };
}
