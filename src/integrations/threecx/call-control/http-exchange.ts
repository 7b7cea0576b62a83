import { type Dispatcher, request } from 'undici';
import { ThreeCxUnavailableError } from './errors';

/** Where the PBX is: `origin` for the pool, `basePath` (usually '') before every API path. */
export interface PbxAddress {
  origin: string;
  basePath: string;
}

export function pbxAddress(url: string): PbxAddress {
  const parsed = new URL(url);
  return { origin: parsed.origin, basePath: parsed.pathname.replace(/\/+$/, '') };
}

export interface ExchangeRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** From dispatch to the last byte of the response body. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ExchangeResponse {
  status: number;
  bodyText: string;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * One request/response with a deadline. A timeout or network failure is a ThreeCxUnavailableError;
 * the caller's own abort rethrows the signal's reason (as fetch does). Never retries.
 */
export async function exchange(dispatcher: Dispatcher, pbx: PbxAddress, req: ExchangeRequest): Promise<ExchangeResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${req.timeoutMs} ms`));
  }, req.timeoutMs);
  const onCallerAbort = (): void => controller.abort(req.signal?.reason);
  if (req.signal?.aborted) controller.abort(req.signal.reason);
  else req.signal?.addEventListener('abort', onCallerAbort, { once: true });

  try {
    const res = await request(`${pbx.origin}${pbx.basePath}${req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
      dispatcher,
      // Our own timer covers the whole exchange (a routeto may legitimately wait for an answer).
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const bodyText = await res.body.text();
    return { status: res.statusCode, bodyText };
  } catch (error) {
    if (timedOut) {
      throw new ThreeCxUnavailableError(`${req.method} ${req.path}: no answer within ${req.timeoutMs} ms`, { method: req.method, path: req.path, cause: error });
    }
    if (req.signal?.aborted) throw req.signal.reason;
    const code = errorCode(error);
    throw new ThreeCxUnavailableError(`${req.method} ${req.path}: ${code ?? (error as Error).message}`, { method: req.method, path: req.path, cause: error });
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onCallerAbort);
  }
}
