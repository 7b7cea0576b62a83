import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TokenStore } from './tokens';
import type { RequestRecord, SentEvent } from './types';
import { EVENT_TYPE, type EventTypeNumber, type WsEventWire } from './wire';

// [CCX] ExternalApi.service.ts createWs: `wss://{host}[:port]/callcontrol/ws`.
export const WS_PATH = '/callcontrol/ws';

/**
 * The /callcontrol/ws event socket. No subscribe message: every event goes to every open
 * connection unasked [CCX, C-TS]; nothing is replayed after a reconnect (A.3). Pings are answered
 * by `ws` itself. Messages sent by the client (WS requests, event type 4 per [C-TS]) are ignored.
 */
export class EventHub {
  readonly log: SentEvent[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly server = new WebSocketServer({ noServer: true });
  private lastSequence = 0;
  private pendingSkip = 0;
  private refuseUntil = 0;

  constructor(
    private readonly tokens: TokenStore,
    private readonly duplicateUpserts: boolean,
    private readonly logRequest: (record: RequestRecord) => void,
  ) {}

  get sequence(): number {
    return this.lastSequence;
  }

  get connections(): number {
    return this.sockets.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://pbx').pathname;
    const refuse = (status: number): void => {
      this.logRequest({ method: req.method ?? 'GET', path, status, at: Date.now(), durationMs: 0 });
      const body = JSON.stringify({ error: STATUS_CODES[status] });
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (path !== WS_PATH) return refuse(404);
    // [C-ESP]: a missing Bearer header gives HTTP 401 on the upgrade; [EP] lists 401 for /callcontrol/ws.
    const token = this.tokens.authenticate(req.headers.authorization);
    if (token === null) return refuse(401);
    if (Date.now() < this.refuseUntil) return refuse(503);
    this.server.handleUpgrade(req, socket, head, (ws) => {
      this.logRequest({ method: req.method ?? 'GET', path, status: 101, at: Date.now(), durationMs: 0 });
      this.sockets.add(ws);
      const release = this.tokens.hold(token, 'ws', () => ws.terminate());
      ws.on('close', () => {
        this.sockets.delete(ws);
        release();
      });
      ws.on('error', () => ws.terminate());
    });
  }

  /** Upsert: the client must GET `entity` [CCX CustomIVRApp wsEventHandler]. */
  upsert(entity: string): void {
    this.send(EVENT_TYPE.Upsert, entity, {});
    if (this.duplicateUpserts) this.send(EVENT_TYPE.Upsert, entity, {});
  }

  /** Remove: the entity is already gone when this arrives. */
  remove(entity: string): void {
    this.send(EVENT_TYPE.Remove, entity, {});
  }

  // [CCX] CustomIVRApp.service.ts reads event.attached_data.dtmf_input.
  dtmf(entity: string, digits: string): void {
    this.send(EVENT_TYPE.DTMFstring, entity, { dtmf_input: digits });
  }

  skipSequence(count: number): void {
    this.pendingSkip += count;
  }

  /** Fault: every connection is cut without a close frame. */
  dropAll(refuseReconnectMs = 0): void {
    this.refuseUntil = Date.now() + refuseReconnectMs;
    for (const ws of this.sockets) ws.terminate();
  }

  clearFaults(): void {
    this.pendingSkip = 0;
    this.refuseUntil = 0;
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.server.close();
  }

  // [CCX] server/src/types.ts WSEvent: {sequence, event:{event_type, entity, attached_data}}.
  // `sequence` semantics are undocumented (A.3): here one counter for the whole PBX, increasing.
  private send(eventType: EventTypeNumber, entity: string, attachedData: Record<string, unknown>): void {
    this.lastSequence += 1 + this.pendingSkip;
    this.pendingSkip = 0;
    const message: WsEventWire = { sequence: this.lastSequence, event: { event_type: eventType, entity, attached_data: attachedData } };
    const text = JSON.stringify(message);
    let deliveredTo = 0;
    for (const ws of this.sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(text);
      deliveredTo += 1;
    }
    this.log.push({ sequence: this.lastSequence, eventType, entity, attachedData, at: Date.now(), deliveredTo });
  }
}
