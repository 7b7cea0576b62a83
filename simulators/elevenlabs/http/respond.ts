import type { ServerResponse } from 'node:http';
import type { EventEmitter } from 'node:events';
import type { SandboxRequestRecord } from '../types';
import { nowMs } from '../util';
import type { SandboxResponse } from './error-bodies';
import type { AudioResponse } from './response';

function finish(record: SandboxRequestRecord, status: number, headers: Record<string, string>, events: EventEmitter): void {
  record.status = status;
  record.responseHeaders = headers;
  record.respondedAt = nowMs();
  events.emit('request', record);
}

export function writeJson(res: ServerResponse, record: SandboxRequestRecord, response: SandboxResponse, events: EventEmitter): void {
  if (res.destroyed || res.writableEnded) return;
  const headers = { 'content-type': 'application/json', ...response.headers };
  res.writeHead(response.status, headers);
  res.end(JSON.stringify(response.json));
  record.responseJson = response.json;
  finish(record, response.status, headers, events);
}

/** Writes audio chunk by chunk (chunked transfer encoding when there is more than one chunk). */
export async function writeAudio(res: ServerResponse, record: SandboxRequestRecord, response: AudioResponse, events: EventEmitter, signal: AbortSignal): Promise<void> {
  if (res.destroyed || res.writableEnded) return;
  const headers = { 'content-type': response.contentType, ...response.headers };
  const total = response.chunks.reduce((n, c) => n + c.length, 0);
  res.writeHead(200, response.chunks.length === 1 ? { ...headers, 'content-length': String(total) } : headers);
  record.responseBytes = 0;
  for (const [i, chunk] of response.chunks.entries()) {
    if (i > 0 && response.chunkIntervalMs > 0) await new Promise((resolve) => setTimeout(resolve, response.chunkIntervalMs));
    if (res.destroyed || signal.aborted) return;
    res.write(chunk);
    record.responseBytes += chunk.length;
  }
  res.end();
  finish(record, 200, headers, events);
}
