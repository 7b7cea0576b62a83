import { DEFAULT_FRAME_MS, type FrameLabel } from './classify';

export interface HeardSegment {
  label: 'silence' | 'audio' | 'voice';
  voiceId?: string;
  startMs: number;
  endMs: number;
}

interface Run {
  key: string;
  label: FrameLabel;
  frames: number;
}

const keyOf = (label: FrameLabel): string => (typeof label === 'string' ? label : `voice:${label.voice}`);

/**
 * Merges consecutive equal labels into segments. A run of one frame between two runs of the same
 * label is absorbed into them (a glitch), and so is a lone 'audio' frame between silence and a voice
 * (a voice starting or stopping inside a frame); runs of two frames or more, silence included, always stay.
 */
export function toSegments(labels: FrameLabel[], frameMs: number = DEFAULT_FRAME_MS): HeardSegment[] {
  const runs: Run[] = [];
  for (const label of labels) {
    const key = keyOf(label);
    const last = runs[runs.length - 1];
    if (last?.key === key) last.frames += 1;
    else runs.push({ key, label, frames: 1 });
  }
  const smoothed: Run[] = [];
  for (let i = 0; i < runs.length; i += 1) {
    const run = runs[i]!;
    const previous = smoothed[smoothed.length - 1];
    const next = runs[i + 1];
    if (run.frames === 1 && previous && next && previous.key === next.key) {
      previous.frames += 1 + next.frames;
      i += 1;
    } else if (run.frames === 1 && run.label === 'audio' && previous && next && isVoiceEdge(previous.label, next.label)) {
      if (typeof previous.label === 'object') previous.frames += 1;
      else next.frames += 1;
    } else if (previous?.key === run.key) {
      previous.frames += run.frames;
    } else {
      smoothed.push({ ...run });
    }
  }
  const segments: HeardSegment[] = [];
  let frame = 0;
  for (const run of smoothed) {
    const startMs = frame * frameMs;
    frame += run.frames;
    const endMs = frame * frameMs;
    segments.push(typeof run.label === 'string' ? { label: run.label, startMs, endMs } : { label: 'voice', voiceId: run.label.voice, startMs, endMs });
  }
  return segments;
}

function isVoiceEdge(before: FrameLabel, after: FrameLabel): boolean {
  return (before === 'silence' && typeof after === 'object') || (typeof before === 'object' && after === 'silence');
}

/** The longest stretch of silence (ms) inside [fromMs, toMs). */
export function longestSilenceMs(segments: HeardSegment[], fromMs = 0, toMs = Infinity): number {
  let longest = 0;
  for (const s of segments) {
    if (s.label !== 'silence') continue;
    longest = Math.max(longest, Math.min(s.endMs, toMs) - Math.max(s.startMs, fromMs));
  }
  return longest;
}

/** Total ms labelled as `voiceId` inside [fromMs, toMs). */
export function voiceMs(segments: HeardSegment[], voiceId: string, fromMs = 0, toMs = Infinity): number {
  let total = 0;
  for (const s of segments) {
    if (s.label === 'voice' && s.voiceId === voiceId) total += Math.max(0, Math.min(s.endMs, toMs) - Math.max(s.startMs, fromMs));
  }
  return total;
}
