import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Logger } from '../../../logger';
import { ThreeCxAuthError, ThreeCxBadRequestError, ThreeCxUnavailableError, excerpt } from './errors';
import { exchange, type PbxAddress } from './http-exchange';

export interface CallControlTokensOptions {
  pbx: PbxAddress;
  clientId: string;
  clientSecret: string;
  dispatcher: Dispatcher;
  /** Age at which a token is replaced, unless streams hold it. [CCX] uses a fixed 1800 s. */
  refreshAfterSeconds?: number;
  requestTimeoutMs?: number;
  logger: Logger;
}

/** Held by every open audio stream: while any is held, a due token is not replaced. */
export interface StreamLease {
  /** Idempotent. */
  release(): void;
}

export interface TokenCounters {
  minted: number;
  /** Mints that replaced a token because of its age (not because it was invalidated). */
  refreshes: number;
  /** 401s reported through invalidate(). */
  unauthorized: number;
}

// [XT] auth.ts TokenResponse; failures carry { error, error_description }.
const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.unknown().optional(),
});
const tokenErrorSchema = z.looseObject({ error: z.string().nullish(), error_description: z.string().nullish() });

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The one live Call Control token of a client. 3CX keeps only one token per client alive, and
 * minting a new one kills the streams and the WebSocket that hold the old one [XT, C-ESP]; so
 * minting is single-flight, the token is reused until `refreshAfterSeconds`, a due refresh waits
 * until no stream lease is held, and a 401 mints at most once per dead token.
 */
export class CallControlTokens {
  readonly counters: TokenCounters = { minted: 0, refreshes: 0, unauthorized: 0 };
  private readonly refreshAfterMs: number;
  private readonly requestTimeoutMs: number;
  private token: { value: string; mintedAt: number } | null = null;
  private minting: Promise<void> | null = null;
  private leases = 0;
  private deferredRefreshLogged = false;

  constructor(private readonly options: CallControlTokensOptions) {
    this.refreshAfterMs = (options.refreshAfterSeconds ?? 1800) * 1000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  }

  /** The live token (without the `Bearer ` prefix), minting one if there is none or it is due. */
  async get(signal?: AbortSignal): Promise<string> {
    return this.resolve(false, signal).then((r) => r.token);
  }

  /** A token plus a lease taken in the same tick, so no refresh can slip in between. */
  async getForStream(signal?: AbortSignal): Promise<{ token: string; lease: StreamLease }> {
    const { token, lease } = await this.resolve(true, signal);
    return { token, lease: lease as StreamLease };
  }

  acquireStreamLease(): StreamLease {
    this.leases += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.leases -= 1;
      },
    };
  }

  get openStreams(): number {
    return this.leases;
  }

  /** The token in use, if any (for logs and tests). */
  get current(): string | null {
    return this.token?.value ?? null;
  }

  /**
   * Reports a 401 for `token`. Only the current token is dropped: a 401 for one already replaced
   * must not mint again, so concurrent 401s lead to one mint.
   */
  invalidate(token: string): void {
    this.counters.unauthorized += 1;
    if (this.token?.value !== token) return;
    this.token = null;
    this.options.logger.warn({ openStreams: this.leases }, '3CX rejected the Call Control token (401); the next request mints a new one');
  }

  private async resolve(withLease: boolean, signal: AbortSignal | undefined): Promise<{ token: string; lease: StreamLease | undefined }> {
    for (let waited = false; ; waited = true) {
      if (!this.minting) {
        const current = this.token;
        // After waiting for a mint, take its token even if it is already "due" (a tiny refresh age).
        if (current && (waited || this.leases > 0 || !this.isDue(current.mintedAt))) {
          if (!waited && this.leases > 0 && this.isDue(current.mintedAt)) this.logDeferredRefresh();
          return { token: current.value, lease: withLease ? this.acquireStreamLease() : undefined };
        }
        const refresh = current !== null;
        this.minting = this.mint(refresh).finally(() => {
          this.minting = null;
        });
      }
      await abortable(this.minting, signal);
    }
  }

  private isDue(mintedAt: number): boolean {
    return performance.now() - mintedAt >= this.refreshAfterMs;
  }

  private logDeferredRefresh(): void {
    if (this.deferredRefreshLogged) return;
    this.deferredRefreshLogged = true;
    this.options.logger.info({ openStreams: this.leases }, 'Call Control token is due for refresh; waiting until no audio stream holds it');
  }

  private async mint(refresh: boolean): Promise<void> {
    const { options } = this;
    if (this.leases > 0) {
      options.logger.warn({ openStreams: this.leases }, 'minting a Call Control token while audio streams are open: 3CX ends the streams holding the old one');
    }
    const path = '/connect/token';
    const res = await exchange(options.dispatcher, options.pbx, {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ client_id: options.clientId, client_secret: options.clientSecret, grant_type: 'client_credentials' }).toString(),
      timeoutMs: this.requestTimeoutMs,
    });
    const json = parseJson(res.bodyText);
    const init = { status: res.status, bodyExcerpt: excerpt(res.bodyText), method: 'POST', path };
    if (res.status >= 500) throw new ThreeCxUnavailableError(`${path}: ${res.status}`, init);
    if (res.status < 200 || res.status >= 300) {
      const failure = tokenErrorSchema.safeParse(json);
      const detail = failure.success ? (failure.data.error_description ?? failure.data.error) : undefined;
      throw new ThreeCxAuthError(`${path}: ${res.status} ${detail ?? 'token refused'}`, init);
    }
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) throw new ThreeCxBadRequestError(`${path}: ${res.status} without an access_token`, init);
    this.token = { value: parsed.data.access_token, mintedAt: performance.now() };
    this.deferredRefreshLogged = false;
    this.counters.minted += 1;
    if (refresh) this.counters.refreshes += 1;
    // expires_in is ambiguous (60 in examples, the JWT lasts ~1 h [C-ESP]): logged, not used.
    options.logger.info({ expiresIn: parsed.data.expires_in, refresh, refreshAfterSeconds: this.refreshAfterMs / 1000 }, 'minted a Call Control token');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
