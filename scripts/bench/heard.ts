import { classifyFrames, toSegments } from '../../simulators/audio';

// What one simulated caller heard, read from the raw PCM of the simulator's ear (8 kHz s16le,
// offset 0 = the call reached the route point). The ear's playout buffer inserts exact digital
// zeros wherever audio was due and none had arrived; the greeting, the hold music and the sandbox's
// voices never hold 1 ms of exact zeros, so a run of zeros is an underrun (or a pause between turns).

const SAMPLES_PER_MS = 8;
const FRAME_MS = 20;
/** Shorter zero runs are zero crossings, not missing audio. */
const MIN_GAP_SAMPLES = SAMPLES_PER_MS;
/**
 * While the agent is live, a pause this long is a turn boundary (the sandbox answers no sooner than
 * 950 ms after the caller's turn began), shorter ones are stalls: the agent's audio reached the ear late.
 */
export const TURN_GAP_MS = 300;

export interface Gap {
  startMs: number;
  endMs: number;
}

export interface HeardInput {
  pcm: Buffer;
  /** Length of the greeting clip the gateway plays (the gateway never cuts it in bridge mode). */
  greetingMs: number;
  greetingVoiceId: string;
  /** The voice the agent spoke in; null when no agent conversation took the call. */
  agentVoiceId: string | null;
  /** Search the agent from here (ms); defaults to the greeting's end. */
  agentSearchFromMs?: number;
  /** Where the hold ended (ms), e.g. a routed call's answer; defaults to the agent's first frame. */
  holdUntilMs?: number;
}

export interface AgentSpeech {
  /** Continuous stretches of agent audio at the ear, split at pauses of TURN_GAP_MS or more. */
  stretches: { startMs: number; endMs: number; audioMs: number; stallMs: number }[];
  /** Each stall (a gap shorter than TURN_GAP_MS while the agent was speaking), in ms. */
  stalls: number[];
  /** Where each stall began, ms from the call's start. */
  stallStartsMs: number[];
  /** For every 20 ms of agent audio: how much later it played than contiguous playout from its stretch's start. */
  frameLatenessMs: number[];
}

export interface HeardAnalysis {
  endMs: number;
  /** First non-zero sample; null when the caller heard nothing. */
  firstAudioMs: number | null;
  /** The first 100 ms of audio are the greeting voice. */
  greetingFirst: boolean;
  /** First audio + greeting length + any gaps inside it. */
  greetingEndMs: number | null;
  /** How much of the greeting was heard in its voice (shorter when a route cut it). */
  greetingHeardMs: number;
  /** First 20 ms frame in the agent's voice at or after the search start. */
  agentStartMs: number | null;
  /** Underruns between the first audio and the hold's end (the agent's first frame, or a routed call's answer). */
  hold: { deadAirMs: number; longestGapMs: number; gaps: number };
  agent: AgentSpeech | null;
}

/**
 * When `voiceId` is first heard by the tests' reading: 20 ms frames from the call's start, merged
 * into segments (tests/support/live-call.ts firstHeard). Looks at the first `withinMs` only.
 */
export function classifierFirstMs(pcm: Buffer, voiceId: string, withinMs = 3_000): number | null {
  const segments = toSegments(classifyFrames(pcm.subarray(0, withinMs * SAMPLES_PER_MS * 2), [voiceId]));
  return segments.find((s) => s.label === 'voice')?.startMs ?? null;
}

/** Runs of at least MIN_GAP_SAMPLES exact zeros, in sample indexes [start, end). */
export function zeroRuns(pcm: Buffer): [number, number][] {
  const runs: [number, number][] = [];
  const count = pcm.length >> 1;
  let start = -1;
  for (let i = 0; i < count; i += 1) {
    const zero = pcm[2 * i] === 0 && pcm[2 * i + 1] === 0;
    if (zero && start < 0) start = i;
    else if (!zero && start >= 0) {
      if (i - start >= MIN_GAP_SAMPLES) runs.push([start, i]);
      start = -1;
    }
  }
  if (start >= 0 && count - start >= MIN_GAP_SAMPLES) runs.push([start, count]);
  return runs;
}

function firstNonZero(pcm: Buffer): number | null {
  for (let i = 0; i + 1 < pcm.length; i += 2) if (pcm[i] !== 0 || pcm[i + 1] !== 0) return i >> 1;
  return null;
}

/** The first non-zero sample as ms from the start of `pcm`; null for silence. */
export function firstAudioMs(pcm: Buffer): number | null {
  const first = firstNonZero(pcm);
  return first === null ? null : first / SAMPLES_PER_MS;
}

/** Where `samples` of audio starting at `from` end, skipping the gaps inside. */
function endAfterAudio(runs: [number, number][], from: number, samples: number): number {
  let position = from;
  let remaining = samples;
  for (const [start, end] of runs) {
    if (end <= position) continue;
    if (start - position >= remaining) break;
    remaining -= Math.max(0, start - position);
    position = end;
  }
  return position + remaining;
}

/** First frame (aligned at `fromMs`) in `voiceId`, as ms; null if none. */
function firstVoiceFrame(pcm: Buffer, voiceId: string, fromMs: number, untilMs = Infinity): number | null {
  const from = Math.max(0, Math.round(fromMs * SAMPLES_PER_MS)) * 2;
  const until = Math.min(pcm.length, Number.isFinite(untilMs) ? Math.round(untilMs * SAMPLES_PER_MS) * 2 : pcm.length);
  if (until <= from) return null;
  const labels = classifyFrames(pcm.subarray(from, until), [voiceId]);
  const index = labels.findIndex((l) => typeof l === 'object');
  return index < 0 ? null : fromMs + index * FRAME_MS;
}

function lastVoiceFrameEnd(pcm: Buffer, voiceId: string, fromMs: number, untilMs: number): number | null {
  const from = Math.round(fromMs * SAMPLES_PER_MS) * 2;
  const until = Math.min(pcm.length, Math.round(untilMs * SAMPLES_PER_MS) * 2);
  if (until <= from) return null;
  const labels = classifyFrames(pcm.subarray(from, until), [voiceId]);
  for (let i = labels.length - 1; i >= 0; i -= 1) if (typeof labels[i] === 'object') return fromMs + (i + 1) * FRAME_MS;
  return null;
}

function holdGaps(runs: [number, number][], fromSample: number, untilSample: number): HeardAnalysis['hold'] {
  let deadAir = 0;
  let longest = 0;
  let gaps = 0;
  for (const [start, end] of runs) {
    const s = Math.max(start, fromSample);
    const e = Math.min(end, untilSample);
    if (e <= s) continue;
    const ms = (e - s) / SAMPLES_PER_MS;
    deadAir += ms;
    longest = Math.max(longest, ms);
    gaps += 1;
  }
  return { deadAirMs: deadAir, longestGapMs: longest, gaps };
}

type Stretch = AgentSpeech['stretches'][number];

/** Builds the agent's stretches piece by piece: audio, stalls inside a stretch, turn pauses between them. */
class StretchBuilder {
  readonly result: AgentSpeech = { stretches: [], stalls: [], stallStartsMs: [], frameLatenessMs: [] };
  private current: Stretch | null = null;
  /** Audio (ms) of the current stretch not yet counted in a whole 20 ms frame. */
  private carry = 0;

  audio(startSample: number, endSample: number): void {
    if (endSample <= startSample) return;
    const stretch = (this.current ??= { startMs: startSample / SAMPLES_PER_MS, endMs: 0, audioMs: 0, stallMs: 0 });
    const ms = (endSample - startSample) / SAMPLES_PER_MS;
    const frames = Math.floor((this.carry + ms) / FRAME_MS);
    this.carry = (this.carry + ms) % FRAME_MS;
    for (let f = 0; f < frames; f += 1) this.result.frameLatenessMs.push(stretch.stallMs);
    stretch.audioMs += ms;
    stretch.endMs = endSample / SAMPLES_PER_MS;
  }

  stall(startSample: number, samples: number): void {
    if (!this.current) return;
    const ms = samples / SAMPLES_PER_MS;
    this.result.stalls.push(ms);
    this.result.stallStartsMs.push(startSample / SAMPLES_PER_MS);
    this.current.stallMs += ms;
  }

  pause(): void {
    if (this.current) this.result.stretches.push(this.current);
    this.current = null;
    this.carry = 0;
  }
}

/** Stretches, stalls and per-frame lateness of the agent's audio between `fromSample` and `untilSample`. */
export function agentSpeech(runs: [number, number][], fromSample: number, untilSample: number): AgentSpeech {
  const builder = new StretchBuilder();
  let position = fromSample;
  for (const [start, end] of runs) {
    if (end <= position) continue;
    if (start >= untilSample) break;
    builder.audio(position, Math.max(position, start));
    const gap = Math.min(end, untilSample) - Math.max(start, position);
    if (gap >= TURN_GAP_MS * SAMPLES_PER_MS || end >= untilSample) builder.pause();
    else builder.stall(Math.max(start, position), gap);
    position = end;
  }
  if (position < untilSample) builder.audio(position, untilSample);
  builder.pause();
  return builder.result;
}

export function analyseHeard(input: HeardInput): HeardAnalysis {
  const { pcm, greetingMs, greetingVoiceId, agentVoiceId } = input;
  const endMs = (pcm.length >> 1) / SAMPLES_PER_MS;
  const first = firstNonZero(pcm);
  const empty: HeardAnalysis = {
    endMs,
    firstAudioMs: null,
    greetingFirst: false,
    greetingEndMs: null,
    greetingHeardMs: 0,
    agentStartMs: null,
    hold: { deadAirMs: 0, longestGapMs: 0, gaps: 0 },
    agent: null,
  };
  if (first === null) return empty;
  const runs = zeroRuns(pcm);
  const firstAudioMs = first / SAMPLES_PER_MS;
  const greetingEndMs = endAfterAudio(runs, first, Math.round(greetingMs * SAMPLES_PER_MS)) / SAMPLES_PER_MS;
  const opening = firstVoiceFrame(pcm, greetingVoiceId, firstAudioMs, firstAudioMs + 5 * FRAME_MS);
  const greetingFirst = opening !== null;
  const lastGreeting = greetingFirst ? lastVoiceFrameEnd(pcm, greetingVoiceId, firstAudioMs, Math.min(greetingEndMs, endMs)) : null;
  const greetingHeardMs = lastGreeting === null ? 0 : lastGreeting - firstAudioMs;

  const searchFrom = input.agentSearchFromMs ?? greetingEndMs;
  const agentStartMs = agentVoiceId === null ? null : firstVoiceFrame(pcm, agentVoiceId, searchFrom);
  const totalSamples = pcm.length >> 1;
  const holdUntil = input.holdUntilMs ?? agentStartMs;
  const hold = holdGaps(runs, first, holdUntil === null ? totalSamples : Math.round(holdUntil * SAMPLES_PER_MS));
  const agent = agentStartMs === null ? null : agentSpeech(runs, Math.round(agentStartMs * SAMPLES_PER_MS), totalSamples);
  return { endMs, firstAudioMs, greetingFirst, greetingEndMs, greetingHeardMs, agentStartMs, hold, agent };
}
