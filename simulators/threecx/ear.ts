/**
 * What a caller hears, on a wall clock. Audio is raw PCM s16le, 8000 Hz, mono: 16 bytes = 1 ms
 * ([CCX] utils.ts writeSlicedAudioStream paces 16 bytes per ms; A.4).
 */
export const BYTES_PER_MS = 16;
const SAMPLES_PER_MS = 8;

/** Whole samples (in bytes) in `ms` milliseconds. */
export function bytesIn(ms: number): number {
  return Math.max(0, Math.floor(ms * SAMPLES_PER_MS)) * 2;
}

export interface AudioSource {
  /** `n` bytes for the wall-clock window starting at `from` (performance.now() ms); silence where there is nothing. */
  pull(n: number, from: number): Buffer;
}

export const SILENCE: AudioSource = { pull: (n) => Buffer.alloc(n) };

/**
 * A real-time playout buffer: from the first byte pushed it is drained at 16 bytes per ms of wall
 * clock whether or not audio is there; what is missing when needed is silence (dead air), and
 * audio that arrives late plays late, never faster.
 */
export class PlayoutBuffer implements AudioSource {
  private chunks: Buffer[] = [];
  private queued = 0;
  private firstByteAt: number | null = null;
  dropped = 0;

  constructor(private readonly maxQueuedMs?: number) {}

  push(data: Buffer, now: number): void {
    if (data.length === 0) return;
    this.firstByteAt ??= now;
    let accepted = data;
    if (this.maxQueuedMs !== undefined) {
      const room = Math.max(0, this.maxQueuedMs * BYTES_PER_MS - this.queued);
      if (data.length > room) {
        this.dropped += data.length - room;
        accepted = data.subarray(0, room);
      }
    }
    if (accepted.length === 0) return;
    this.chunks.push(accepted);
    this.queued += accepted.length;
  }

  pull(n: number, from: number): Buffer {
    const out = Buffer.alloc(n);
    if (this.firstByteAt === null) return out;
    let offset = this.firstByteAt > from ? Math.min(n, bytesIn(this.firstByteAt - from)) : 0;
    while (offset < n && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const take = Math.min(head.length, n - offset);
      head.copy(out, offset, 0, take);
      offset += take;
      this.queued -= take;
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
    }
    return out;
  }
}

/** A recording played over and over (a caller's voice, a human repeating a line). */
export class LoopSource implements AudioSource {
  private position = 0;

  constructor(private readonly pcm: Buffer) {}

  pull(n: number): Buffer {
    const out = Buffer.alloc(n);
    if (this.pcm.length < 2) return out;
    let offset = 0;
    while (offset < n) {
      const take = Math.min(this.pcm.length - this.position, n - offset);
      this.pcm.copy(out, offset, this.position, this.position + take);
      offset += take;
      this.position = (this.position + take) % this.pcm.length;
    }
    return out;
  }
}

/** Reads a source at real-time pace: each take() returns the bytes due since the previous one. */
export class ClockedReader {
  private taken = 0;

  constructor(
    private source: AudioSource,
    private readonly origin: number,
  ) {}

  take(now: number): Buffer {
    const due = bytesIn(now - this.origin);
    const n = due - this.taken;
    if (n <= 0) return Buffer.alloc(0);
    const pcm = this.source.pull(n, this.origin + this.taken / BYTES_PER_MS);
    this.taken = due;
    return pcm;
  }

  /** Everything up to `now` comes from the old source, everything after from `source`. */
  switchTo(source: AudioSource, now: number): Buffer {
    const rest = this.take(now);
    this.source = source;
    return rest;
  }
}

/** The caller's ear: a ClockedReader whose output is kept as the call's heard timeline. */
export class Ear {
  private readonly reader: ClockedReader;
  private chunks: Buffer[] = [];
  private stopped = false;

  constructor(
    origin: number,
    private readonly record: boolean,
  ) {
    this.reader = new ClockedReader(SILENCE, origin);
  }

  advance(now: number): void {
    if (!this.stopped) this.keep(this.reader.take(now));
  }

  listenTo(source: AudioSource, now: number): void {
    if (!this.stopped) this.keep(this.reader.switchTo(source, now));
  }

  stop(now: number): void {
    this.advance(now);
    this.stopped = true;
  }

  pcm(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private keep(pcm: Buffer): void {
    if (this.record && pcm.length > 0) this.chunks.push(pcm);
  }
}
