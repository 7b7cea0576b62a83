import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { FormData, request } from 'undici';
import WebSocket from 'ws';
import { voiceSignature } from '../../../simulators/audio';
import type { ThreeCxSimulator } from '../../../simulators/threecx';

/** Raw wire clients for the simulator tests: they speak 3CX's formats, not our production client. */

export async function mintToken(sim: ThreeCxSimulator, style: 'urlencoded' | 'multipart' = 'urlencoded', secret = sim.clientSecret): Promise<{ status: number; json: any }> {
  const fields = { client_id: sim.clientId, client_secret: secret, grant_type: 'client_credentials' };
  let body: string | FormData;
  const headers: Record<string, string> = {};
  if (style === 'urlencoded') {
    body = new URLSearchParams(fields).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    body = new FormData();
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
  }
  const res = await request(`${sim.url}/connect/token`, { method: 'POST', headers, body });
  return { status: res.statusCode, json: await res.body.json() };
}

export async function token(sim: ThreeCxSimulator): Promise<string> {
  const { status, json } = await mintToken(sim);
  if (status !== 200) throw new Error(`token: ${status}`);
  return json.access_token as string;
}

export async function call3cx(
  sim: ThreeCxSimulator,
  bearer: string | null,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; ms: number }> {
  const started = Date.now();
  const res = await request(`${sim.url}${path}`, {
    method,
    headers: {
      ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? null : JSON.parse(text), ms: Date.now() - started };
}

export interface EventSocket {
  ws: WebSocket;
  messages: any[];
  closed: Promise<void>;
  next(predicate: (m: any) => boolean, timeoutMs?: number): Promise<any>;
}

export function openEvents(sim: ThreeCxSimulator, bearer: string | null): Promise<EventSocket> {
  const ws = new WebSocket(sim.wsUrl, { headers: bearer === null ? {} : { Authorization: `Bearer ${bearer}` } });
  const messages: any[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse((data as Buffer).toString('utf8')));
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  const next = (predicate: (m: any) => boolean, timeoutMs = 3_000): Promise<any> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = messages.find(predicate);
        if (hit === undefined) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error('no matching WS event'));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed, next }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export interface GetStream {
  status: number;
  bytes(): number;
  data(): Buffer;
  ended: Promise<'end' | 'aborted'>;
  cancel(): void;
}

/** GET …/participants/{id}/stream, counting the PCM that arrives. */
export function openGetStream(sim: ThreeCxSimulator, bearer: string, participantId: number): Promise<GetStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${sim.url}/callcontrol/${sim.routePointDn}/participants/${participantId}/stream`, { headers: { authorization: `Bearer ${bearer}` } });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const ended = new Promise<'end' | 'aborted'>((done) => {
        res.on('end', () => done('end'));
        res.on('aborted', () => done('aborted'));
        res.on('error', () => done('aborted'));
      });
      resolve({ status: res.statusCode ?? 0, bytes: () => chunks.reduce((n, c) => n + c.length, 0), data: () => Buffer.concat(chunks), ended, cancel: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface PostStream {
  req: ClientRequest;
  /** Resolves with the HTTP status, or 'error' if the connection was cut. */
  outcome: Promise<number | 'error'>;
  write(pcm: Buffer): boolean;
  end(): void;
}

/** POST …/participants/{id}/stream as [CCX] does: raw http.request, chunked, octet-stream. */
export function openPostStream(sim: ThreeCxSimulator, bearer: string, participantId: number): PostStream {
  const req = httpRequest(`${sim.url}/callcontrol/${sim.routePointDn}/participants/${participantId}/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked', authorization: `Bearer ${bearer}` },
  });
  const outcome = new Promise<number | 'error'>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve('error'));
    req.on('close', () => resolve('error'));
  });
  req.flushHeaders();
  return { req, outcome, write: (pcm) => !req.destroyed && req.write(pcm), end: () => req.end() };
}

/**
 * Writes `pcm` in 20 ms chunks at real-time pace, keeping `leadMs` ahead of the wall clock (as
 * [CCX] writeSlicedAudioStream does with 500 ms) so a short stall of this process is not dead air.
 */
export async function writePaced(stream: PostStream, pcm: Buffer, { chunkMs = 20, leadMs = 120 } = {}): Promise<void> {
  const started = Date.now();
  let offset = 0;
  while (offset < pcm.length) {
    const elapsed = Date.now() - started;
    for (; offset < pcm.length && offset / 16 < elapsed + leadMs; offset += chunkMs * 16) stream.write(pcm.subarray(offset, offset + chunkMs * 16));
    await sleep(chunkMs);
  }
}

/** A steady two-tone signal in `voiceId`'s signature (what the classifier recognises as that voice). */
export function tone(voiceId: string, ms: number): Buffer {
  const { tones, levelDifferenceDb } = voiceSignature(voiceId);
  const ratio = 10 ** (levelDifferenceDb / 20);
  const a1 = (12000 * ratio) / (1 + ratio);
  const a2 = 12000 / (1 + ratio);
  const samples = ms * 8;
  const out = Buffer.alloc(samples * 2);
  for (let n = 0; n < samples; n += 1) {
    out.writeInt16LE(Math.round(a1 * Math.sin((2 * Math.PI * tones[0] * n) / 8000) + a2 * Math.sin((2 * Math.PI * tones[1] * n) / 8000)), n * 2);
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
