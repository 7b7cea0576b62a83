import { longestSilenceMs, speechDurationMs, voiceMs, type HeardSegment } from '../../../simulators/audio';
import type { SimulatedCall } from '../../../simulators/threecx';
import { FAILURE_MESSAGE, FALLBACK_QUEUE, GREETING_MESSAGE, VOICES } from './config';

// What a caller heard (the simulator's ear, classified into voices, music and silence), read the
// way a caller would tell it: the greeting, music, the agent, silence, the person in the queue.

/**
 * Faults that do not touch the gateway must not touch what callers hear either: a caller whose
 * music depended on the failed part would hear silence as long as the outage (seconds). Shorter
 * gaps do show when this 2-core machine is loaded (the callers' ears run in the test process):
 * they are measured and reported, not failed.
 */
export const DEFAULT_MAX_DEAD_AIR_MS = 2_500;
/** The greeting starts on sight; on a loaded machine the first byte can take a moment. */
const GREETING_WITHIN_MS = 3_000;
/** A voice's first frame can read as 'audio' (it starts inside the frame). */
const ONSET_MS = 60;

/** A readable timeline for failure messages: `0-1840 voice:greeting | 1840-5200 audio | …`. */
export function describeHeard(segments: HeardSegment[]): string {
  const names = new Map<string, string>(Object.entries(VOICES).map(([name, id]) => [id, name]));
  return segments.map((s) => `${s.startMs}-${s.endMs} ${s.label === 'voice' ? `voice:${names.get(s.voiceId!) ?? s.voiceId}` : s.label}`).join(' | ');
}

export function voiceSegments(segments: HeardSegment[], voiceId: string): HeardSegment[] {
  return segments.filter((s) => s.label === 'voice' && s.voiceId === voiceId);
}

/**
 * How many greetings the caller heard before `untilMs`: greeting-voice time over one greeting's
 * length, rounded (a stall can split one greeting into pieces; a second greeting doubles it).
 */
export function greetingsHeard(segments: HeardSegment[], untilMs = Infinity): number {
  return Math.round(voiceMs(segments, VOICES.greeting, 0, untilMs) / speechDurationMs(GREETING_MESSAGE));
}

/** The first time (ms from the call's start) the caller heard `voiceId`, or null. */
export function firstHeard(segments: HeardSegment[], voiceId: string): number | null {
  return voiceSegments(segments, voiceId)[0]?.startMs ?? null;
}

/** The longest silence between the first audio the caller heard and `untilMs`. */
export function deadAir(segments: HeardSegment[], untilMs: number): number {
  const first = segments.find((s) => s.label !== 'silence');
  return first ? longestSilenceMs(segments, first.startMs, untilMs) : Infinity;
}

/** The first silence of at least `minMs` that the caller was hearing at, or began hearing after, `fromMs`. */
export function silenceFrom(segments: HeardSegment[], fromMs: number, minMs = 300): HeardSegment | null {
  return segments.find((s) => s.label === 'silence' && s.endMs > fromMs && s.endMs - s.startMs >= minMs) ?? null;
}


/**
 * The caller heard the greeting first (within GREETING_WITHIN_MS) and once, then the agent in
 * `voice`, with no silence longer than `maxDeadAirMs` in between. Returns what was wrong, and the
 * longest silence heard before the agent.
 */
export function greetedThenAgent(segments: HeardSegment[], voice: string, maxDeadAirMs = DEFAULT_MAX_DEAD_AIR_MS): { problems: string[]; deadAirMs: number } {
  const problems: string[] = [];
  const agentAt = firstHeard(segments, voice);
  const firstVoice = segments.find((s) => s.label === 'voice');
  const musicFirst = segments.some((s) => s.label === 'audio' && s.endMs <= (firstVoice?.startMs ?? 0) && s.endMs - s.startMs > ONSET_MS);
  if (firstVoice?.voiceId !== VOICES.greeting || firstVoice.startMs > GREETING_WITHIN_MS || musicFirst) problems.push(`the greeting was not the first thing heard within ${GREETING_WITHIN_MS} ms`);
  const greetings = greetingsHeard(segments, agentAt ?? Infinity);
  if (greetings !== 1) problems.push(`greeting heard ${greetings} times before the agent`);
  if (agentAt === null) {
    problems.push(`never heard the agent in voice ${voice}`);
    return { problems, deadAirMs: 0 };
  }
  const deadAirMs = deadAir(segments, agentAt);
  if (deadAirMs > maxDeadAirMs) problems.push(`${deadAirMs} ms of silence before the agent`);
  return { problems, deadAirMs };
}

/**
 * A defined end after the agent failed: what the caller heard from `fromMs` on is the failure
 * message (greeting voice) and then the person in the fallback queue, with no long silence.
 */
export function fallbackHeard(segments: HeardSegment[], fromMs: number) {
  const personAt = firstHeard(segments.filter((s) => s.startMs >= fromMs), VOICES.queue);
  const messageMs = voiceMs(segments, VOICES.greeting, fromMs, personAt ?? Infinity);
  return {
    failureMessage: messageMs >= 0.8 * speechDurationMs(FAILURE_MESSAGE),
    thenQueue: personAt !== null,
    longestSilenceMs: longestSilenceMs(segments, fromMs, personAt ?? Infinity),
  };
}

/** The caller ends up with the person in FALLBACK_QUEUE (who talks until the caller hangs up). */
export function inFallbackQueue(call: SimulatedCall): boolean {
  return call.connectedTo?.kind === 'local' && call.connectedTo.destination === FALLBACK_QUEUE;
}
