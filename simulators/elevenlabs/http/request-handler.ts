import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxState } from '../state';
import type { SandboxRequestRecord } from '../types';
import { headerString, nowMs } from '../util';
import { type ControlsAndHolds, answer } from './dispatch';
import { errorBodies } from './error-bodies';
import { BodyTooLargeError, type ParsedForm, parseMultipart, readBody } from './request-body';
import { writeJson } from './respond';
import { matchRoute } from './router';

export interface ParsedBody {
  json: unknown;
  jsonError: boolean;
  form: ParsedForm | undefined;
  formError: boolean;
}

export function newRecord(state: SandboxState, req: IncomingMessage, url: URL, endpoint: SandboxRequestRecord['endpoint']): SandboxRequestRecord {
  const record: SandboxRequestRecord = {
    id: state.requests.length === 0 ? 1 : state.requests[state.requests.length - 1]!.id + 1,
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    endpoint,
    receivedAt: nowMs(),
    remotePort: req.socket.remotePort,
    apiKeyValid: headerString(req.headers['xi-api-key']) === state.apiKey,
    contentType: headerString(req.headers['content-type']),
    bodyBytes: 0,
  };
  state.requests.push(record);
  return record;
}

/** A signal aborted when the client goes away before the answer (or the sandbox resets); closes the record. */
function watchClient(state: SandboxState, res: ServerResponse, record: SandboxRequestRecord): AbortSignal {
  const clientGone = new AbortController();
  const onLifecycleAbort = (): void => clientGone.abort(new Error('sandbox closed'));
  const lifecycleSignal = state.lifecycle.signal;
  lifecycleSignal.addEventListener('abort', onLifecycleAbort, { once: true });
  res.on('close', () => {
    lifecycleSignal.removeEventListener('abort', onLifecycleAbort);
    record.closedAt = nowMs();
    if (!res.writableFinished) {
      record.clientAborted = true;
      clientGone.abort(new Error('client disconnected'));
    }
    state.events.emit('request', record);
  });
  return clientGone.signal;
}

async function parseBody(body: Buffer, contentType: string, isControl: boolean, record: SandboxRequestRecord): Promise<ParsedBody> {
  const parsed: ParsedBody = { json: undefined, jsonError: false, form: undefined, formError: false };
  // Control routes accept JSON without a content-type, so `curl -d` works.
  if ((contentType.includes('application/json') || isControl) && body.length > 0) {
    try {
      parsed.json = JSON.parse(body.toString('utf8'));
      record.json = parsed.json;
    } catch {
      parsed.jsonError = true;
    }
  } else if (contentType.includes('multipart/form-data')) {
    try {
      parsed.form = await parseMultipart(body, contentType);
      record.multipart = parsed.form.summary;
    } catch {
      parsed.formError = true;
    }
  }
  return parsed;
}

/** Records the request, reads and parses its body, then answers it. */
export async function handleRequest(state: SandboxState, controls: ControlsAndHolds, controlRoutes: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  const isControl = controlRoutes && url.pathname.startsWith('/_sandbox/');
  const route = isControl ? undefined : matchRoute(req.method ?? 'GET', url.pathname);
  const record = newRecord(state, req, url, isControl ? 'control' : typeof route === 'object' ? route.endpoint : 'unknown');
  const signal = watchClient(state, res, record);
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) writeJson(res, record, errorBodies.plain(413, 'Request Entity Too Large'), state.events);
    return;
  }
  record.bodyBytes = body.length;
  const parsed = await parseBody(body, record.contentType ?? '', isControl, record);
  state.events.emit('request', record);
  await answer(state, controls, { req, res, url, record, route, isControl, parsed, signal });
}
