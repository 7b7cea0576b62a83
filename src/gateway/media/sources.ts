// What a call's playout reads from: raw PCM s16le 8 kHz mono (16 bytes = 1 ms), in whole samples.

export interface AudioSource {
  /**
   * Up to `bytes` of audio (an even number). An empty buffer: nothing ready yet (a live feed
   * between words). null: this source is over.
   */
  read(bytes: number): Buffer | null;
}

/** A clip played once (greeting, announcement). */
export class Clip implements AudioSource {
  private offset = 0;
  constructor(private readonly pcm: Buffer) {}

  read(bytes: number): Buffer | null {
    if (this.offset >= this.pcm.length) return null;
    const chunk = this.pcm.subarray(this.offset, this.offset + bytes);
    this.offset += chunk.length;
    return chunk;
  }
}

/** Audio looped without end (hold music). */
export class Loop implements AudioSource {
  private offset = 0;
  constructor(private readonly pcm: Buffer) {
    if (pcm.length < 2) throw new Error('A loop needs audio');
  }

  read(bytes: number): Buffer {
    const out = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const n = this.pcm.copy(out, filled, this.offset, Math.min(this.pcm.length, this.offset + bytes - filled));
      filled += n;
      this.offset = (this.offset + n) % this.pcm.length;
    }
    return out;
  }
}

/** One source after the other (greeting, then music). */
export class Sequence implements AudioSource {
  private index = 0;
  constructor(private readonly sources: AudioSource[]) {}

  read(bytes: number): Buffer | null {
    while (this.index < this.sources.length) {
      const chunk = this.sources[this.index]!.read(bytes);
      if (chunk !== null) return chunk;
      this.index += 1;
    }
    return null;
  }
}

/** Audio that arrives while it plays (the agent's voice); `clear()` drops what is queued (barge-in). */
export class LiveFeed implements AudioSource {
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  /** When audio last arrived, for telling a pause between words from a network stall. */
  lastPushAt = 0;

  push(pcm: Buffer, at: number): void {
    if (pcm.length === 0 || this.ended) return;
    this.queue.push(pcm);
    this.queued += pcm.length;
    this.lastPushAt = at;
  }

  clear(): void {
    this.queue = [];
    this.queued = 0;
  }

  end(): void {
    this.ended = true;
  }

  get bufferedBytes(): number {
    return this.queued;
  }

  read(bytes: number): Buffer | null {
    if (this.queued === 0) return this.ended ? null : Buffer.alloc(0);
    const take = Math.min(bytes, this.queued) & ~1;
    const out = Buffer.allocUnsafe(take);
    let filled = 0;
    while (filled < take) {
      const head = this.queue[0]!;
      const n = head.copy(out, filled, 0, Math.min(head.length, take - filled));
      filled += n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    this.queued -= take;
    return out;
  }
}
