import { type Dispatcher, request } from 'undici';
import type { Logger } from '../../../logger';
import { type CaptureOptions, type CaptureStream, HttpCaptureStream } from './capture-stream';
import { ThreeCxUnavailableError, errorForStatus } from './errors';
import type { PbxAddress } from './http-exchange';
import { HttpPlaybackStream, type PlaybackOptions, type PlaybackStream } from './playback-stream';
import { bearer, type CallControlTokens } from './token';

export type { CaptureEnd, CaptureOptions, CaptureStream } from './capture-stream';
export type { PlaybackOptions, PlaybackStream } from './playback-stream';

export interface CallControlStreamsOptions {
  pbx: PbxAddress;
  tokens: CallControlTokens;
  dispatcher: Dispatcher;
  /** Deadline for the capture's response headers and for the PBX's answer to an ended playback. */
  requestTimeoutMs: number;
  logger: Logger;
}

/**
 * The participant audio streams (raw PCM s16le, 8 kHz, mono, 16 bytes = 1 ms [CCX]). Each open
 * stream holds a lease on the token, so the token is not replaced under it.
 */
export class CallControlStreams {
  constructor(private readonly options: CallControlStreamsOptions) {}

  /** Opens POST …/participants/{id}/stream; the request goes out with the first write. */
  async openPlayback(dn: string, id: number | string, options?: PlaybackOptions): Promise<PlaybackStream> {
    const path = this.streamPath(dn, id);
    const { token, lease } = await this.options.tokens.getForStream();
    return new HttpPlaybackStream(
      {
        url: this.url(path),
        path,
        token,
        lease,
        tokens: this.options.tokens,
        dispatcher: this.options.dispatcher,
        endTimeoutMs: this.options.requestTimeoutMs,
        logger: this.options.logger,
      },
      options,
    );
  }

  /**
   * Opens GET …/participants/{id}/stream once its response headers arrive. A 401 invalidates the
   * token and is retried once; 403/404 throw ThreeCxParticipantGoneError.
   */
  async openCapture(dn: string, id: number | string, options?: CaptureOptions): Promise<CaptureStream> {
    const path = this.streamPath(dn, id);
    for (let attempt = 1; ; attempt++) {
      const { token, lease } = await this.options.tokens.getForStream();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('no response headers in time')), this.options.requestTimeoutMs);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(this.url(path), {
          method: 'GET',
          headers: { authorization: bearer(token), accept: 'application/octet-stream' },
          signal: controller.signal,
          dispatcher: this.options.dispatcher,
          headersTimeout: 0,
          bodyTimeout: 0,
        });
      } catch (error) {
        lease.release();
        const why = controller.signal.aborted ? `no answer within ${this.options.requestTimeoutMs} ms` : (error as Error).message;
        throw new ThreeCxUnavailableError(`GET ${path}: ${why}`, { method: 'GET', path, cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (res.statusCode >= 200 && res.statusCode < 300) return new HttpCaptureStream(res.body, path, lease, options);
      lease.release();
      const bodyText = await res.body.text().catch(() => '');
      if (res.statusCode === 401) {
        this.options.tokens.invalidate(token);
        if (attempt < 2) continue;
      }
      throw errorForStatus(res.statusCode, bodyText, 'GET', path);
    }
  }

  private streamPath(dn: string, id: number | string): string {
    return `/callcontrol/${encodeURIComponent(dn)}/participants/${encodeURIComponent(String(id))}/stream`;
  }

  private url(path: string): string {
    return `${this.options.pbx.origin}${this.options.pbx.basePath}${path}`;
  }
}
