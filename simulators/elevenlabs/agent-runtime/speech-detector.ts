const FRAME_MS = 20;
// -40 dBFS RMS: well above line noise, well below the simulated voices (simulators/audio peaks at -6 dBFS).
const VOICED_RMS = 32768 * 10 ** (-40 / 20);
/** Caller audio must be voiced this long to count as speech (and to interrupt the agent). */
export const MIN_SPEECH_MS = 300;
/** Then this much silence ends the caller's turn. */
export const END_OF_TURN_SILENCE_MS = 400;

export type SpeechEvent = { type: 'speech-started' } | { type: 'turn-ended'; speechMs: number };

/** Voice activity on the caller's s16le audio, counted in audio time (20 ms frames). */
export class SpeechDetector {
  private pending: Buffer = Buffer.alloc(0);
  private voicedMs = 0;
  private silenceMs = 0;
  private speaking = false;

  constructor(private readonly sampleRate: number) {}

  push(pcm: Buffer): SpeechEvent[] {
    const frameBytes = (this.sampleRate * FRAME_MS * 2) / 1000;
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, pcm]) : pcm;
    const events: SpeechEvent[] = [];
    let offset = 0;
    for (; offset + frameBytes <= data.length; offset += frameBytes) {
      const event = this.frame(rms(data, offset, frameBytes));
      if (event !== undefined) events.push(event);
    }
    this.pending = Buffer.from(data.subarray(offset));
    return events;
  }

  /** The caller stopped sending audio altogether: whatever was being said is over. */
  idle(): SpeechEvent[] {
    const wasSpeaking = this.speaking;
    const speechMs = this.voicedMs;
    this.resetUtterance();
    return wasSpeaking ? [{ type: 'turn-ended', speechMs }] : [];
  }

  private frame(level: number): SpeechEvent | undefined {
    if (level >= VOICED_RMS) {
      this.voicedMs += FRAME_MS;
      this.silenceMs = 0;
      if (!this.speaking && this.voicedMs >= MIN_SPEECH_MS) {
        this.speaking = true;
        return { type: 'speech-started' };
      }
      return undefined;
    }
    this.silenceMs += FRAME_MS;
    if (this.silenceMs < END_OF_TURN_SILENCE_MS) return undefined;
    const ended: SpeechEvent | undefined = this.speaking ? { type: 'turn-ended', speechMs: this.voicedMs } : undefined;
    this.resetUtterance();
    return ended;
  }

  private resetUtterance(): void {
    this.voicedMs = 0;
    this.silenceMs = 0;
    this.speaking = false;
  }
}

function rms(data: Buffer, offset: number, length: number): number {
  let sum = 0;
  const samples = length / 2;
  for (let i = 0; i < samples; i += 1) {
    const s = data.readInt16LE(offset + i * 2);
    sum += s * s;
  }
  return Math.sqrt(sum / samples);
}
