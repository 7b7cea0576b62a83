import type { Readable } from 'node:stream';
import { ThreeCxUnavailableError } from './errors';
import type { StreamLease } from './token';

export type CaptureEnd = { reason: 'ended'; error?: undefined } | { reason: 'error'; error: Error };

/** Audio from one participant: the endless chunked body of GET …/stream. */
export interface CaptureStream {
  /**
   * Raw PCM (s16le, 8 kHz, mono) as it arrives; one consumer. The body is read whether or not
   * anyone iterates (so its end is noticed); unread audio beyond the buffer limit is dropped, oldest first.
   */
  readonly chunks: AsyncIterable<Buffer>;
  /** `ended`: the PBX closed the stream (the participant went away [CCX]) or close() was called. */
  readonly closed: Promise<CaptureEnd>;
  close(): void;
  readonly bytesReceived: number;
  readonly bytesDropped: number;
}

export interface CaptureOptions {
  /** Unread audio kept for the iterator; default 32000 (2 s). */
  maxBufferedBytes?: number;
}

export class HttpCaptureStream implements CaptureStream {
  readonly closed: Promise<CaptureEnd>;
  readonly chunks: AsyncIterable<Buffer>;
  bytesReceived = 0;
  bytesDropped = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private done = false;
  private closedByUs = false;
  private wakeReader: (() => void) | null = null;
  private readonly maxBuffered: number;

  constructor(
    private readonly body: Readable,
    path: string,
    lease: StreamLease,
    options: CaptureOptions = {},
  ) {
    this.maxBuffered = options.maxBufferedBytes ?? 32_000;
    this.closed = new Promise<CaptureEnd>((resolve) => {
      const finish = (end: CaptureEnd): void => {
        if (this.done) return;
        this.done = true;
        lease.release();
        this.wake();
        resolve(end);
      };
      body.on('data', (chunk: Buffer) => this.push(chunk));
      body.on('end', () => finish({ reason: 'ended' }));
      body.on('error', (error) => {
        finish(this.closedByUs ? { reason: 'ended' } : { reason: 'error', error: new ThreeCxUnavailableError(`capture stream failed: ${error.message}`, { method: 'GET', path, cause: error }) });
      });
      body.on('close', () => finish({ reason: 'ended' }));
    });
    this.chunks = { [Symbol.asyncIterator]: () => this.read() };
  }

  close(): void {
    if (this.done) return;
    this.closedByUs = true;
    this.body.destroy();
  }

  private push(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.queue.push(chunk);
    this.queued += chunk.length;
    while (this.queued > this.maxBuffered && this.queue.length > 1) {
      const dropped = this.queue.shift() as Buffer;
      this.queued -= dropped.length;
      this.bytesDropped += dropped.length;
    }
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  private async *read(): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk) {
        this.queued -= chunk.length;
        yield chunk;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }
}
