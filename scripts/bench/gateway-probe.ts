import diagnosticsChannel from 'node:diagnostics_channel';
import type { CallSession } from '../../src/gateway/call-session';
import type { RunningGateway } from '../../src/gateway/start-gateway';
import { nowMs } from './stats';

/** What the in-process gateway was seen doing for one route-point participant (epoch ms, sub-ms). */
export interface GatewayStamps {
  /** The Upsert reached the gateway's event socket. */
  wsEventAt?: number;
  /** The GET of the participant answered and its session exists (greeting starts in this tick). */
  sessionAt?: number;
  session?: CallSession;
  /** The playback POST was handed to the HTTP client (the stream's token was in hand). */
  playbackCreatedAt?: number;
  /** Its request headers went out, on a new TCP connection or a reused one. */
  playbackHeadersAt?: number;
  playbackNewConnection?: boolean;
  playbackFirstChunkAt?: number;
}

export interface GatewayProbe {
  stamps: Map<number, GatewayStamps>;
  /** When the first greeting byte was handed to the playback stream. */
  firstWriteAt(participantId: number): number | null;
  stop(): void;
}

interface UndiciRequest {
  method: string;
  path: string;
}

const PLAYBACK = /\/participants\/(\d+)\/stream$/;

/**
 * Listens to the in-process gateway without changing it: its event socket's `upsert` and its route
 * point's `session` events (listeners run in the gateway's own tick), and undici's diagnostics
 * channels for the playback POST (created, headers sent on which connection, first body chunk).
 */
export function probeGateway(gateway: RunningGateway): GatewayProbe {
  const stamps = new Map<number, GatewayStamps>();
  const entry = (id: number): GatewayStamps => {
    let s = stamps.get(id);
    if (!s) stamps.set(id, (s = {}));
    return s;
  };
  const playback = (request: UndiciRequest): GatewayStamps | null => {
    const m = request.method === 'POST' ? PLAYBACK.exec(request.path) : null;
    return m ? entry(Number(m[1])) : null;
  };
  const sockets = new WeakSet<object>();
  const onUpsert = (e: { type: string; id: string }): void => {
    if (e.type === 'participants') entry(Number(e.id)).wsEventAt ??= nowMs();
  };
  const onSession = (session: CallSession): void => {
    const s = entry(session.participantId);
    s.sessionAt ??= nowMs();
    s.session = session;
  };
  const onCreate = (message: unknown): void => {
    const s = playback((message as { request: UndiciRequest }).request);
    if (s) s.playbackCreatedAt ??= nowMs();
  };
  const onHeaders = (message: unknown): void => {
    const { request, socket } = message as { request: UndiciRequest; socket: object };
    const isNew = !sockets.has(socket);
    sockets.add(socket);
    const s = playback(request);
    if (!s || s.playbackHeadersAt !== undefined) return;
    s.playbackHeadersAt = nowMs();
    s.playbackNewConnection = isNew;
  };
  const onChunk = (message: unknown): void => {
    const s = playback((message as { request: UndiciRequest }).request);
    if (s) s.playbackFirstChunkAt ??= nowMs();
  };
  const channels: [string, (m: unknown) => void][] = [
    ['undici:request:create', onCreate],
    ['undici:client:sendHeaders', onHeaders],
    ['undici:request:bodyChunkSent', onChunk],
  ];
  for (const [name, fn] of channels) diagnosticsChannel.subscribe(name, fn);
  gateway.callControl.events.on('upsert', onUpsert);
  gateway.routePoint.on('session', onSession);
  return {
    stamps,
    firstWriteAt: (id) => {
      const first = stamps.get(id)?.session?.playout.stats.firstByteAt;
      return first === null || first === undefined ? null : performance.timeOrigin + first;
    },
    stop: () => {
      for (const [name, fn] of channels) diagnosticsChannel.unsubscribe(name, fn);
      gateway.callControl.events.off('upsert', onUpsert);
      gateway.routePoint.off('session', onSession);
    },
  };
}
