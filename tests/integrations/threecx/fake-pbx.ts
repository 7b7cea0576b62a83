import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

// A bare PBX for protocol details the simulator need not reproduce (chunk framing, exact timing,
// refused upgrades, silent pongs). Like 3CX it keeps one live token: minting revokes the previous.

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  bearer: string | null;
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse, seen: FakeRequest) => void;

export interface FakePbxOptions {
  /** Delay of the token reply, so concurrent callers overlap. */
  tokenDelayMs?: number;
  /** The `ws` server's automatic pong (false: a PBX that stops answering pings). */
  autoPong?: boolean;
}

export class FakePbx {
  readonly requests: FakeRequest[] = [];
  readonly sockets = new Set<WebSocket>();
  url = '';
  mints = 0;
  live: string | null = null;
  /** Answers every /callcontrol request that passed the token check. */
  handler: FakeHandler = (_req, res) => void res.writeHead(404).end();
  /** Overrides the token endpoint when set. */
  tokenHandler: ((res: ServerResponse) => void) | null = null;
  /** The WS upgrade answers this status instead of 101 while set. */
  refuseUpgrade: number | null = null;
  private readonly server: Server;
  private readonly wss: WebSocketServer;

  private constructor(private readonly options: FakePbxOptions) {
    this.wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  static async start(options: FakePbxOptions = {}): Promise<FakePbx> {
    const pbx = new FakePbx(options);
    await new Promise<void>((resolve) => pbx.server.listen(0, '127.0.0.1', resolve));
    pbx.url = `http://127.0.0.1:${(pbx.server.address() as AddressInfo).port}`;
    return pbx;
  }

  /** Sends a WS event to every connected client. */
  send(message: unknown): void {
    for (const ws of this.sockets) ws.send(JSON.stringify(message));
  }

  dropSockets(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private bearerOf(req: IncomingMessage): string | null {
    return /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const seen: FakeRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, bearer: this.bearerOf(req) };
    this.requests.push(seen);
    if (seen.path === '/connect/token') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        setTimeout(() => {
          if (this.tokenHandler) return this.tokenHandler(res);
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          if (form.get('client_id') !== '800' || form.get('client_secret') !== 'secret' || form.get('grant_type') !== 'client_credentials') {
            res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'Invalid client credentials' }));
            return;
          }
          this.mints += 1;
          this.live = `tok-${this.mints}`;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 60, access_token: this.live, refresh_token: 'r' }));
        }, this.options.tokenDelayMs ?? 0);
      });
      return;
    }
    if (seen.bearer === null || seen.bearer !== this.live) {
      res.writeHead(401).end();
      return;
    }
    this.handler(req, res, seen);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const bearer = this.bearerOf(req);
    this.requests.push({ method: 'GET', path: req.url ?? '', headers: req.headers, bearer });
    const status = bearer === null || bearer !== this.live ? 401 : this.refuseUpgrade;
    if (status !== null) {
      socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
    });
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}
