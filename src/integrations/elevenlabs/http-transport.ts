import { type Dispatcher, type FormData, request } from 'undici';
import type { HeaderValue } from './error-mapping';

export type TransportMethod = 'GET' | 'POST' | 'DELETE';

export interface TransportRequest {
  method: TransportMethod;
  /** Path plus query string, e.g. `/v1/convai/conversations?agent_id=a`. */
  path: string;
  json?: unknown;
  form?: FormData;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, HeaderValue>;
  bodyText: string;
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
      latencyMs: number;
    };

class TimeoutSignalReason extends Error {
  override readonly name = 'TimeoutSignalReason';
}

/**
 * Wraps the handler of one request to learn how far it got: `onRequestStart` fires when undici is
 * about to write on an established connection, `onResponseStart` when headers arrive.
 */
function trackingDispatcher(base: Dispatcher, progress: { requestStarted: boolean; responseStarted: boolean }): Dispatcher {
  return base.compose((dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart(controller, context: unknown) {
        progress.requestStarted = true;
        handler.onRequestStart?.(controller, context);
      },
      onRequestUpgrade(controller, statusCode, headers, socket) {
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        progress.responseStarted = true;
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

/** One HTTP exchange with a total deadline (connect + send + full body) and caller cancellation. Never retries. */
export class HttpTransport {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async send(req: TransportRequest): Promise<TransportResult> {
    const startedAt = performance.now();
    const progress = { requestStarted: false, responseStarted: false };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutSignalReason(`timed out after ${req.timeoutMs} ms`)), req.timeoutMs);
    const onCallerAbort = (): void => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) controller.abort(req.signal.reason);
    else req.signal?.addEventListener('abort', onCallerAbort, { once: true });

    const headers: Record<string, string> = {
      'xi-api-key': this.options.apiKey,
      accept: 'application/json',
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
      const res = await request(`${this.baseUrl}${req.path}`, {
        method: req.method,
        headers,
        body,
        signal: controller.signal,
        dispatcher: trackingDispatcher(this.options.dispatcher, progress),
      });
      const bodyText = await res.body.text();
      return {
        ok: true,
        response: { status: res.statusCode, headers: res.headers, bodyText },
        latencyMs: performance.now() - startedAt,
      };
    } catch (cause) {
      let kind: TransportFailureKind = 'network';
      if (controller.signal.aborted) {
        kind = controller.signal.reason instanceof TimeoutSignalReason ? 'timeout' : 'aborted';
      }
      return {
        ok: false,
        kind,
        requestStarted: progress.requestStarted,
        responseStarted: progress.responseStarted,
        code: errorCode(cause),
        cause: kind === 'network' ? cause : controller.signal.reason,
        latencyMs: performance.now() - startedAt,
      };
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}
