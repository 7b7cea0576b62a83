import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CallImpl } from './calls';
import { sendError } from './http';
import type { TokenRecord, TokenStore } from './tokens';

export interface StreamSettings {
  tokens: TokenStore;
  concurrentPostStreams: 'replace' | 'reject';
}

/**
 * `…/participants/{id}/stream` (A.2, A.4). Streams are opened once the participant is Connected
 * [CCX]; on a Ringing one the simulator answers 403 (UNCONFIRMED: no source shows what 3CX does).
 */
export function handleStream(req: IncomingMessage, res: ServerResponse, call: CallImpl, token: TokenRecord, settings: StreamSettings): void {
  if (call.status !== 'Connected') return sendError(res, 403, 'Participant is not connected');
  if (req.method === 'GET') return openGetStream(res, call, token, settings.tokens);
  if (call.hasPostStream && settings.concurrentPostStreams === 'reject') return sendError(res, 409, 'A stream to this participant is already open');
  openPostStream(req, res, call, token, settings.tokens);
}

/**
 * The caller's voice: an endless `Transfer-Encoding: chunked` response of raw PCM s16le 8 kHz mono
 * ([CCX] feeds it to STT as LINEAR16 8000), written by the call's 20 ms tick. It ends when the
 * participant goes away ([CCX] treats `close` as hang-up) and is cut if its token is revoked.
 * Content-Type is not documented: application/octet-stream here.
 */
function openGetStream(res: ServerResponse, call: CallImpl, token: TokenRecord, tokens: TokenStore): void {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' });
  res.flushHeaders();
  call.getStreams.add(res);
  const release = tokens.hold(token, 'stream', () => res.destroy());
  res.on('close', () => {
    call.getStreams.delete(res);
    release();
  });
}

/**
 * Audio to the caller: one endless chunked request body ([CCX] postAudioStream, writeSlicedAudioStream:
 * 16 bytes = 1 ms). Bytes go into the call's real-time playout buffer. When the participant goes
 * away (or the token is revoked) the connection is cut, so the app's next write fails (E).
 * If the app ends the body itself the reply is 200 with no body (UNCONFIRMED).
 */
function openPostStream(req: IncomingMessage, res: ServerResponse, call: CallImpl, token: TokenRecord, tokens: TokenStore): void {
  const handle = { destroy: (): void => void req.socket.destroy() };
  const playout = call.attachPost(handle);
  const release = tokens.hold(token, 'stream', handle.destroy);
  const finish = (): void => {
    call.detachPost(handle);
    release();
  };
  req.on('data', (chunk: Buffer) => playout.push(chunk, performance.now()));
  req.on('end', () => {
    finish();
    if (!res.headersSent) res.writeHead(200).end();
  });
  req.on('close', finish);
}

export function streamCounts(calls: Iterable<CallImpl>): { get: number; post: number } {
  let get = 0;
  let post = 0;
  for (const call of calls) {
    get += call.getStreams.size;
    if (call.hasPostStream) post += 1;
  }
  return { get, post };
}
