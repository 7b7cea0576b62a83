import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from '../../../logger';
import type { PbxAddress } from './http-exchange';
import { bearer, type CallControlTokens } from './token';
import { EVENT_TYPE, parseEntityPath, wsEventSchema } from './types';

export interface EntityEvent {
  dn: string;
  /** The entity path's type part, e.g. `participants`. */
  type: string;
  id: string;
  /** The full path, to GET on upsert. */
  entity: string;
  sequence: number;
}

export interface DtmfEvent extends EntityEvent {
  digits: string;
}

export interface CallControlEventMap {
  upsert: [EntityEvent];
  /** The entity is already gone: use a cached copy [CCX]. */
  remove: [EntityEvent];
  dtmf: [DtmfEvent];
  /** After every (re)connect: events may have been missed, resync with GET /callcontrol. */
  connected: [{ reconnect: boolean }];
  /** The sequence jumped (or went back): events may have been missed, resync. */
  gap: [{ expected: number; got: number }];
  disconnected: [{ code: number; reason: string }];
}

export interface EventCounters {
  connects: number;
  reconnects: number;
  gaps: number;
}

export interface CallControlEventsOptions {
  pbx: PbxAddress;
  tokens: CallControlTokens;
  /** [CCX] pings every 5 s; a pong missing for twice this long means the socket is dead. */
  pingSeconds?: number;
  /** Cap of the reconnect backoff, which starts at 250 ms. */
  reconnectMaxSeconds?: number;
  handshakeTimeoutMs?: number;
  logger: Logger;
}

const FIRST_RETRY_MS = 250;
/** A connection that lived this long resets the backoff. */
const STABLE_CONNECTION_MS = 10_000;

/**
 * The `/callcontrol/ws` event socket [CCX]: no subscribe message, events arrive unasked. Reconnects
 * forever; every connection emits `connected`, after which the consumer must resync (no replay).
 */
export class CallControlEvents extends EventEmitter<CallControlEventMap> {
  readonly counters: EventCounters = { connects: 0, reconnects: 0, gaps: 0 };
  private readonly url: string;
  private readonly pingMs: number;
  private readonly reconnectMaxMs: number;
  private ws: WebSocket | null = null;
  private started = false;
  private closed = false;
  private failures = 0;
  private lastSequence: number | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongDeadline: NodeJS.Timeout | null = null;
  private closeWaiters: (() => void)[] = [];

  constructor(private readonly options: CallControlEventsOptions) {
    super();
    this.url = `${options.pbx.origin.replace(/^http/, 'ws')}${options.pbx.basePath}/callcontrol/ws`;
    this.pingMs = (options.pingSeconds ?? 5) * 1000;
    this.reconnectMaxMs = (options.reconnectMaxSeconds ?? 10) * 1000;
  }

  get isConnected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.connect();
  }

  /** Stops reconnecting and closes the socket. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopPing();
    const ws = this.ws;
    if (!ws) return;
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    ws.close(1000, 'client closing');
    const force = setTimeout(() => ws.terminate(), 1000);
    await done;
    clearTimeout(force);
  }

  private async connect(): Promise<void> {
    let token: string;
    try {
      token = await this.options.tokens.get();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'no Call Control token for the event socket');
      this.scheduleReconnect();
      return;
    }
    if (this.closed) return;

    const ws = new WebSocket(this.url, {
      headers: { Authorization: bearer(token) },
      handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
    });
    this.ws = ws;
    let openedAt: number | null = null;

    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      // A missing or dead token gives a 401 on the upgrade [C-ESP].
      if (res.statusCode === 401) this.options.tokens.invalidate(token);
      this.options.logger.warn({ status: res.statusCode }, '3CX refused the event socket upgrade');
      ws.terminate();
    });
    ws.on('open', () => {
      openedAt = performance.now();
      const reconnect = this.counters.connects > 0;
      this.counters.connects += 1;
      if (reconnect) this.counters.reconnects += 1;
      this.lastSequence = null;
      this.startPing(ws);
      this.options.logger.info({ reconnect }, 'Call Control event socket connected');
      this.fire('connected', { reconnect });
    });
    ws.on('message', (data: WebSocket.RawData) => this.onMessage(data));
    ws.on('pong', () => this.clearPongDeadline());
    ws.on('error', (error) => this.options.logger.warn({ err: error }, 'Call Control event socket error'));
    ws.on('close', (code: number, reason: Buffer) => {
      this.stopPing();
      if (this.ws === ws) this.ws = null;
      if (openedAt !== null) {
        if (performance.now() - openedAt >= STABLE_CONNECTION_MS) this.failures = 0;
        this.options.logger.warn({ code, reason: reason.toString() }, 'Call Control event socket closed');
        this.fire('disconnected', { code, reason: reason.toString() });
      }
      if (this.closed) {
        for (const resolve of this.closeWaiters.splice(0)) resolve();
      } else {
        this.scheduleReconnect();
      }
    });
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = Math.min(this.reconnectMaxMs, FIRST_RETRY_MS * 2 ** this.failures);
    this.failures += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private startPing(ws: WebSocket): void {
    this.pingTimer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      this.pongDeadline ??= setTimeout(() => {
        this.options.logger.warn({ afterMs: this.pingMs * 2 }, 'no pong from 3CX: dropping the event socket');
        ws.terminate();
      }, this.pingMs * 2);
      ws.ping();
    }, this.pingMs);
  }

  private clearPongDeadline(): void {
    if (this.pongDeadline) clearTimeout(this.pongDeadline);
    this.pongDeadline = null;
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.clearPongDeadline();
  }

  private onMessage(data: WebSocket.RawData): void {
    const text = (Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.options.logger.warn({ excerpt: text.slice(0, 200) }, 'Call Control event that is not JSON');
      return;
    }
    const parsed = wsEventSchema.safeParse(json);
    if (!parsed.success) {
      this.options.logger.warn({ excerpt: text.slice(0, 200) }, 'Call Control event of an unknown shape');
      return;
    }
    const { sequence, event } = parsed.data;
    // Sequence semantics are undocumented [CCX]: anything but +1 may hide lost events.
    if (this.lastSequence !== null && sequence !== this.lastSequence + 1) {
      this.counters.gaps += 1;
      this.fire('gap', { expected: this.lastSequence + 1, got: sequence });
    }
    this.lastSequence = sequence;

    const ref = parseEntityPath(event.entity);
    if (!ref) {
      this.options.logger.warn({ entity: event.entity }, 'Call Control event without an entity path');
      return;
    }
    const base: EntityEvent = { ...ref, entity: event.entity, sequence };
    switch (event.event_type) {
      case EVENT_TYPE.upsert:
        this.fire('upsert', base);
        return;
      case EVENT_TYPE.remove:
        this.fire('remove', base);
        return;
      case EVENT_TYPE.dtmf:
        this.fire('dtmf', { ...base, digits: event.attached_data?.dtmf_input ?? '' });
        return;
      default:
        this.options.logger.debug({ eventType: event.event_type, entity: event.entity }, 'Call Control event ignored');
    }
  }

  /** A throwing listener must not break the socket's own handlers. */
  private fire<K extends keyof CallControlEventMap>(name: K, ...args: CallControlEventMap[K]): void {
    try {
      (this.emit as (event: K, ...a: CallControlEventMap[K]) => boolean)(name, ...args);
    } catch (error) {
      this.options.logger.error({ err: error, event: name }, 'Call Control event listener threw');
    }
  }
}
