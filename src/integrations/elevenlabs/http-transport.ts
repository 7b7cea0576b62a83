import { type Dispatcher, type FormData, request } from 'undici';
import type { HeaderValue } from './error-mapping';

export type TransportMethod = 'GET' | 'POST' | 'DELETE';

export interface TransportRequest {
  method: TransportMethod;
  /** Path plus query string, e.g. `/v1/convai/conversations?agent_id=a`. */
  path: string;
  json?: unknown;
  form?: FormData;
  /** Default `application/json`. */
  accept?: string;
  /**
   * Deadline from the moment undici starts writing the request on a connected socket until the
   * full response body has arrived. Time spent waiting for a pooled connection does not count.
   */
  timeoutMs: number;
  /**
   * Deadline for getting a connection: waiting for a free one in the pool plus connecting. When it
   * fires the request was never written (`kind: 'timeout'`, `requestStarted: false`).
   */
  queueTimeoutMs: number;
  /** Caller cancellation, honoured while queued and while on the wire. */
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, HeaderValue>;
  /** The whole body: JSON text for most endpoints, audio bytes for text-to-speech. */
  body: Buffer;
}

export type TransportFailureKind = 'timeout' | 'aborted' | 'network';

export type TransportResult =
  | { ok: true; response: TransportResponse; latencyMs: number }
  | {
      ok: false;
      kind: TransportFailureKind;
      /**
       * True once undici began writing the request on a connected socket: from then on the
       * server may have acted on it even though no complete response arrived.
       */
      requestStarted: boolean;
      /** True when response headers had arrived before the failure (e.g. reset mid-body). */
      responseStarted: boolean;
      code: string | undefined;
      cause: unknown;
      /**
       * For kind 'timeout': the deadline that fired, in ms: `queueTimeoutMs` when requestStarted is
       * false (no connection in time), `timeoutMs` otherwise. Undefined for other kinds.
       */
      deadlineMs: number | undefined;
      latencyMs: number;
    };

class TimeoutSignalReason extends Error {
  override readonly name = 'TimeoutSignalReason';

  constructor(
    readonly deadlineMs: number,
    message: string,
  ) {
    super(message);
  }
}

interface ProgressHooks {
  /** undici is about to write the request on a connected socket. */
  requestStart(): void;
  /** Response headers arrived. */
  responseStart(): void;
}

/**
 * Wraps the handler of one request to learn how far it got: `onRequestStart` fires when undici is
 * about to write on an established connection, `onResponseStart` when headers arrive.
 */
function trackingDispatcher(base: Dispatcher, hooks: ProgressHooks): Dispatcher {
  return base.compose((dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart(controller, context: unknown) {
        hooks.requestStart();
        handler.onRequestStart?.(controller, context);
      },
      onRequestUpgrade(controller, statusCode, headers, socket) {
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        hooks.responseStart();
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData(controller, chunk) {
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd(controller, trailers) {
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, error) {
        handler.onResponseError?.(controller, error);
      },
    }),
  );
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    if (typeof error.code === 'string') return error.code;
  }
  return undefined;
}

export interface HttpTransportOptions {
  baseUrl: string;
  apiKey: string;
  dispatcher: Dispatcher;
  userAgent: string;
}

/**
 * One HTTP exchange with caller cancellation and two deadlines: `queueTimeoutMs` until undici has a
 * connected socket for it, then `timeoutMs` from the first byte written to the last byte of the
 * response body. Never retries.
 */
export class HttpTransport {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async send(req: TransportRequest): Promise<TransportResult> {
    const startedAt = performance.now();
    const progress = { requestStarted: false, responseStarted: false };
    const controller = new AbortController();
    const { signal } = controller;
    let settled = false;

    // Phase 1: queued for a pooled connection (and connecting).
    let timer: NodeJS.Timeout | undefined = setTimeout(
      () => controller.abort(new TimeoutSignalReason(req.queueTimeoutMs, `waited ${req.queueTimeoutMs} ms for a connection; the request was not sent`)),
      req.queueTimeoutMs,
    );
    // Phase 2: on the wire. A request aborted while queued does not start: undici aborts it on
    // its connection before writing a byte, so it stays requestStarted=false.
    const hooks: ProgressHooks = {
      requestStart: () => {
        if (settled || signal.aborted || progress.requestStarted) return;
        progress.requestStarted = true;
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new TimeoutSignalReason(req.timeoutMs, `timed out after ${req.timeoutMs} ms`)), req.timeoutMs);
      },
      responseStart: () => {
        progress.responseStarted = true;
      },
    };

    // undici only acts on an abort once the request reaches a connection, so a request aborted
    // while queued would otherwise wait for a free connection before failing: stop waiting at once.
    let rejectAbandoned: (reason: unknown) => void = () => undefined;
    const abandoned = new Promise<never>((_resolve, reject) => {
      rejectAbandoned = reject;
    });
    const onAbort = (): void => {
      if (!progress.requestStarted) rejectAbandoned(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const onCallerAbort = (): void => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) controller.abort(req.signal.reason);
    else req.signal?.addEventListener('abort', onCallerAbort, { once: true });

    const headers: Record<string, string> = {
      'xi-api-key': this.options.apiKey,
      accept: req.accept ?? 'application/json',
      'user-agent': this.options.userAgent,
    };
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      body = req.form;
    }

    try {
      const pending = request(`${this.baseUrl}${req.path}`, {
        method: req.method,
        headers,
        body,
        signal,
        dispatcher: trackingDispatcher(this.options.dispatcher, hooks),
      });
      // Whichever loses the race is still observed by Promise.race: no unhandled rejection later.
      const res = await Promise.race([pending, abandoned]);
      const responseBody = Buffer.from(await res.body.arrayBuffer());
      return {
        ok: true,
        response: { status: res.statusCode, headers: res.headers, body: responseBody },
        latencyMs: performance.now() - startedAt,
      };
    } catch (cause) {
      let kind: TransportFailureKind = 'network';
      if (signal.aborted) {
        kind = signal.reason instanceof TimeoutSignalReason ? 'timeout' : 'aborted';
      }
      return {
        ok: false,
        kind,
        requestStarted: progress.requestStarted,
        responseStarted: progress.responseStarted,
        code: errorCode(cause),
        cause: kind === 'network' ? cause : signal.reason,
        deadlineMs: kind === 'timeout' ? (signal.reason as TimeoutSignalReason).deadlineMs : undefined,
        latencyMs: performance.now() - startedAt,
      };
    } finally {
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}
