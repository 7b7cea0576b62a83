import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FormData, request } from 'undici';
import WebSocket from 'ws';
import type { ElevenLabsSandbox } from '../../../simulators/elevenlabs';

export const KEY = 'sb-key';

export interface JsonReply {
  status: number;
  headers: IncomingHttpHeaders;
  json: Record<string, unknown>;
}

/** A raw HTTP call to the sandbox: JSON object, raw JSON string, or multipart form. */
export async function call(sandbox: ElevenLabsSandbox, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, key = KEY): Promise<JsonReply> {
  const headers: Record<string, string> = { 'xi-api-key': key };
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await request(`${sandbox.url}${path}`, { method, headers, body: payload });
  return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as Record<string, unknown> };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** 16 kHz → 8 kHz s16le by averaging sample pairs (enough for the sandbox's < 3.4 kHz tones). */
export function halveRate(pcm: Buffer): Buffer {
  const out = Buffer.alloc(Math.floor(pcm.length / 4) * 2);
  for (let i = 0; i < out.length / 2; i += 1) out.writeInt16LE(Math.round((pcm.readInt16LE(i * 4) + pcm.readInt16LE(i * 4 + 2)) / 2), i * 2);
  return out;
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  rawBody: string;
  receivedAt: number;
}

export interface JsonReceiver {
  url: string;
  received: ReceivedRequest[];
  /** How to answer the next requests (default 200 `{}`); a null status never answers. */
  answer: (req: ReceivedRequest) => { status: number | null; body?: unknown; delayMs?: number };
  close(): Promise<void>;
}

/** A local HTTP endpoint standing in for our API (post-call and conversation-initiation webhooks). */
export async function startJsonReceiver(): Promise<JsonReceiver> {
  const receiver: JsonReceiver = { url: '', received: [], answer: () => ({ status: 200, body: {} }), close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      receiver.received.push(received);
      const { status, body, delayMs = 0 } = receiver.answer(received);
      if (status === null) return;
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

export type AgentEvent = { type: string } & Record<string, unknown>;

/** A raw Agents WebSocket client that keeps every server event. */
export class AgentSocket {
  readonly events: AgentEvent[] = [];
  /** Date.now() at which each event arrived. */
  readonly arrivedAt: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private listeners: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.events.push(JSON.parse(data.toString('utf8')) as AgentEvent);
      this.arrivedAt.push(Date.now());
      this.listeners.splice(0).forEach((l) => l());
    });
    this.closed = new Promise((resolve) => ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })));
  }

  static open(url: string): Promise<AgentSocket> {
    const ws = new WebSocket(url);
    const socket = new AgentSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Streams s16le audio as user_audio_chunk messages in real time, `chunkMs` per message. */
  async talk(pcm: Buffer, bytesPerMs: number, chunkMs = 100): Promise<void> {
    const size = Math.round(bytesPerMs * chunkMs);
    for (let offset = 0; offset < pcm.length; offset += size) {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      this.send({ user_audio_chunk: pcm.subarray(offset, offset + size).toString('base64') });
      await sleep(chunkMs);
    }
  }

  /** Resolves with the first event (from `from` on) that matches. */
  async waitFor(predicate: (e: AgentEvent) => boolean, timeoutMs = 5_000, from = 0): Promise<AgentEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(predicate);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no matching agent event within ${timeoutMs} ms; got ${this.events.map((e) => e.type).join(',')}`);
      await Promise.race([new Promise<void>((resolve) => this.listeners.push(resolve)), sleep(50)]);
    }
  }

  /** The audio of all `audio` events so far (optionally only those with this event_id). */
  audio(eventId?: number): Buffer {
    const events = this.events.filter((e) => e.type === 'audio') as unknown as { audio_event: { audio_base_64: string; event_id: number } }[];
    return Buffer.concat(events.filter((e) => eventId === undefined || e.audio_event.event_id === eventId).map((e) => Buffer.from(e.audio_event.audio_base_64, 'base64')));
  }
}

/** The HTTP status a refused WebSocket upgrade got. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade accepted'));
    });
    ws.once('error', () => undefined);
  });
}
