import { randomBytes } from 'node:crypto';
import type { TokenMint } from './types';
import type { TokenErrorWire, TokenResponseWire } from './wire';

export type HolderKind = 'stream' | 'ws';

export interface TokenRecord {
  accessToken: string;
  expiresAt: number;
  revoked: boolean;
  holders: Map<() => void, HolderKind>;
}

export interface TokenSettings {
  clientId: string;
  clientSecret: string;
  lifetimeSeconds: number;
  reportedExpiresIn: number | 'lifetime';
  badCredentialsStatus: 400 | 401;
}

export type TokenReply = { status: 200; body: TokenResponseWire } | { status: 400 | 401; body: TokenErrorWire };

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * One live token per API client [XT README: "only one access token can be active at a time"]:
 * minting a new one revokes the old at once and closes every stream and WS it authenticated
 * [C-ESP, C-TS].
 */
export class TokenStore {
  readonly mints: TokenMint[] = [];
  private live: TokenRecord | null = null;

  constructor(private readonly settings: TokenSettings) {}

  // [CCX] ExternalApi.service.ts receiveToken (multipart) / [C-ESP] fetchToken (urlencoded): the form fields.
  mint(form: { client_id?: string; client_secret?: string; grant_type?: string }): TokenReply {
    if (form.grant_type === undefined || form.client_id === undefined || form.client_secret === undefined) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'client_id, client_secret and grant_type are required' } };
    }
    if (form.grant_type !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: `grant_type ${form.grant_type} is not supported` } };
    }
    if (form.client_id !== this.settings.clientId || form.client_secret !== this.settings.clientSecret) {
      return { status: this.settings.badCredentialsStatus, body: { error: 'invalid_client', error_description: 'Invalid client credentials' } };
    }
    const previous = this.live;
    const kinds = previous === null ? [] : [...previous.holders.values()];
    this.mints.push({
      at: Date.now(),
      openStreamsAtMint: kinds.filter((k) => k === 'stream').length,
      wsConnectionsAtMint: kinds.filter((k) => k === 'ws').length,
    });
    if (previous !== null) this.revoke(previous);
    const issuedAt = Math.floor(Date.now() / 1000);
    const { lifetimeSeconds, reportedExpiresIn, clientId } = this.settings;
    // [C-ESP] decodes the JWT's exp - iat because expires_in is wrong; so the token is JWT-shaped.
    const payload = { iss: '3cx-simulator', client_id: clientId, iat: issuedAt, nbf: issuedAt, exp: issuedAt + lifetimeSeconds, jti: randomBytes(8).toString('hex') };
    const accessToken = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(payload)}.${randomBytes(32).toString('base64url')}`;
    this.live = { accessToken, expiresAt: Date.now() + lifetimeSeconds * 1000, revoked: false, holders: new Map() };
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: reportedExpiresIn === 'lifetime' ? lifetimeSeconds : reportedExpiresIn,
        access_token: accessToken,
        refresh_token: randomBytes(24).toString('base64url'),
      },
    };
  }

  get minted(): number {
    return this.mints.length;
  }

  liveToken(): string | null {
    return this.live !== null && this.isValid(this.live) ? this.live.accessToken : null;
  }

  /** The record behind `Authorization: Bearer <token>` if that token is the live, unexpired one. */
  authenticate(authorization: string | undefined): TokenRecord | null {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (match === null || this.live === null || match[1] !== this.live.accessToken) return null;
    return this.isValid(this.live) ? this.live : null;
  }

  /**
   * Registers a stream or WS opened with `record`; `close` runs if the token is revoked.
   * Natural expiry leaves open connections alone (UNCONFIRMED); the token-expiry fault closes them.
   */
  hold(record: TokenRecord, kind: HolderKind, close: () => void): () => void {
    record.holders.set(close, kind);
    return () => {
      record.holders.delete(close);
    };
  }

  /** Fault: the live token stops working now, as if 3CX had expired or revoked it. */
  expireLive(): void {
    if (this.live !== null) this.revoke(this.live);
  }

  private isValid(record: TokenRecord): boolean {
    return !record.revoked && Date.now() < record.expiresAt;
  }

  private revoke(record: TokenRecord): void {
    record.revoked = true;
    const closers = [...record.holders.keys()];
    record.holders.clear();
    for (const close of closers) close();
  }
}
