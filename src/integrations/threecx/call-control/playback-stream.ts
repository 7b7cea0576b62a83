import { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import type { Logger } from '../../../logger';
import { ThreeCxParticipantGoneError, ThreeCxUnavailableError, errorForStatus } from './errors';
import { bearer, type CallControlTokens, type StreamLease } from './token';

/** Audio to one participant: the body of one long-lived chunked POST …/stream. */
export interface PlaybackStream {
  /**
   * Queues raw PCM (s16le, 8 kHz, mono). False once the queue has reached the high-water mark (wait
   * for drain()), and for writes after end() or after the stream closed (they are dropped).
   */
  write(pcm: Buffer): boolean;
  /** Resolves once the queue is below the high-water mark again, or the stream closed. */
  drain(): Promise<void>;
  /** Sends what is queued, ends the body and waits for the PBX's answer (at most requestTimeoutMs). */
  end(): Promise<void>;
  /** Tears the request down at once; `closed` then resolves without an error. */
  abort(): void;
  /** Settles once the request is over; `error` unless we ended it ourselves. */
  readonly closed: Promise<{ error?: Error }>;
  /** Bytes handed to the HTTP connection. */
  readonly bytesWritten: number;
  /** Bytes queued, not yet handed to the connection. */
  readonly bufferedBytes: number;
}

export interface PlaybackOptions {
  /** write() returns false from here; default 16000 (1 s of audio). */
  highWaterMarkBytes?: number;
  /** A write beyond this fails the stream (the connection is stuck); default 160000 (10 s). */
  maxBufferedBytes?: number;
}

export interface PlaybackRequest {
  url: string;
  path: string;
  token: string;
  lease: StreamLease;
  tokens: CallControlTokens;
  dispatcher: Dispatcher;
  /** How long end() waits for the PBX's answer before tearing the request down. */
  endTimeoutMs: number;
  logger: Logger;
}

/** Largest chunk handed to undici at once (the queue is coalesced up to it). */
const MAX_CHUNK_BYTES = 32 * 1024;

export class HttpPlaybackStream implements PlaybackStream {
  readonly closed: Promise<{ error?: Error }>;
  bytesWritten = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private ending = false;
  private finished = false;
  private abortedByUs = false;
  private overflow: Error | null = null;
  private wanted = false;
  private sourceEnded = false;
  /** The request body; a tiny high-water mark keeps the audio in our queue, where it is counted. */
  private readonly source = new Readable({
    highWaterMark: 1024,
    read: () => {
      this.wanted = true;
      this.pump();
    },
  });
  private drainWaiters: (() => void)[] = [];
  private endTimer: NodeJS.Timeout | null = null;
  private readonly controller = new AbortController();
  private readonly highWaterMark: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly req: PlaybackRequest,
    options: PlaybackOptions = {},
  ) {
    this.highWaterMark = options.highWaterMarkBytes ?? 16_000;
    this.maxBuffered = Math.max(options.maxBufferedBytes ?? 160_000, this.highWaterMark);
    this.closed = this.run();
  }

  get bufferedBytes(): number {
    return this.queued;
  }

  write(pcm: Buffer): boolean {
    if (this.ending || this.finished || this.overflow) return false;
    if (this.queued + pcm.length > this.maxBuffered) {
      this.overflow = new ThreeCxUnavailableError(`playback buffer over ${this.maxBuffered} bytes: the connection to 3CX is stuck`, { method: 'POST', path: this.req.path });
      this.controller.abort(this.overflow);
      return false;
    }
    if (pcm.length > 0) {
      this.queue.push(pcm);
      this.queued += pcm.length;
      this.pump();
    }
    return this.queued < this.highWaterMark;
  }

  drain(): Promise<void> {
    if (this.finished || this.queued < this.highWaterMark) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async end(): Promise<void> {
    if (!this.ending && !this.finished) {
      this.ending = true;
      this.pump();
      this.endTimer = setTimeout(() => {
        this.req.logger.warn({ path: this.req.path }, '3CX did not answer the ended playback stream in time; closing it');
        this.abort();
      }, this.req.endTimeoutMs);
    }
    await this.closed;
  }

  abort(): void {
    if (this.finished) return;
    this.abortedByUs = true;
    this.controller.abort(new Error('playback aborted'));
  }

  /** Hands queued audio to the request body while undici asks for more. */
  private pump(): void {
    while (this.wanted && this.queue.length > 0) this.wanted = this.source.push(this.takeQueued());
    if (this.ending && this.queue.length === 0 && !this.sourceEnded) {
      this.sourceEnded = true;
      this.source.push(null);
    }
  }

  private takeQueued(): Buffer {
    let size = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || size + (this.queue[count]?.length ?? 0) <= MAX_CHUNK_BYTES)) {
      size += this.queue[count]?.length ?? 0;
      count += 1;
    }
    const parts = this.queue.splice(0, count);
    this.queued -= size;
    this.bytesWritten += size;
    if (this.queued < this.highWaterMark) this.releaseDrainWaiters();
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
  }

  private releaseDrainWaiters(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private async run(): Promise<{ error?: Error }> {
    const { req } = this;
    try {
      // undici sends `Transfer-Encoding: chunked` for a body of unknown length, and the request
      // headers with the first chunk. [CCX] postAudioStream: octet-stream, chunked, Bearer.
      const res = await request(req.url, {
        method: 'POST',
        headers: { authorization: bearer(req.token), 'content-type': 'application/octet-stream' },
        body: this.source,
        signal: this.controller.signal,
        dispatcher: req.dispatcher,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      const bodyText = await res.body.text();
      if (res.statusCode === 401) req.tokens.invalidate(req.token);
      if (res.statusCode < 200 || res.statusCode >= 300) return { error: errorForStatus(res.statusCode, bodyText, 'POST', req.path) };
      if (!this.ending) return { error: new ThreeCxParticipantGoneError('3CX ended the playback stream', { status: res.statusCode, method: 'POST', path: req.path }) };
      return {};
    } catch (error) {
      if (this.overflow) return { error: this.overflow };
      if (this.abortedByUs) return {};
      return { error: new ThreeCxUnavailableError(`playback stream failed: ${(error as Error).message}`, { method: 'POST', path: req.path, cause: error }) };
    } finally {
      this.finished = true;
      if (this.endTimer) clearTimeout(this.endTimer);
      this.queue = [];
      this.queued = 0;
      this.source.destroy();
      this.releaseDrainWaiters();
      req.lease.release();
    }
  }
}
