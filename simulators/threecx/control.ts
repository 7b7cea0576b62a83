import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendError, sendJson } from './http';
import { synthesizeSpeech } from '../audio';
import { BYTES_PER_MS } from './ear';
import type { FaultKind, PlaceCallOptions, ThreeCxSimulator } from './types';

export const CONTROL_PREFIX = '/_sim';

const FAULT_KINDS: readonly FaultKind[] = ['ws-drop', 'token-expiry', 'stale-participant', 'route-failure', 'route-no-answer', 'slow-rest', 'rest-5xx', 'sequence-gap'];

/**
 * Simulator control, NOT part of 3CX (no auth): place calls and inject faults over HTTP, e.g. from
 * `npm start` or the benchmark when the simulator runs in another process.
 */
export async function handleControl(req: IncomingMessage, res: ServerResponse, segments: string[], sim: ThreeCxSimulator): Promise<void> {
  const method = req.method ?? 'GET';
  const [area, id, verb] = segments;
  const body = method === 'POST' ? await readJson(req) : {};
  if (body === null) return sendError(res, 400, 'Body must be a JSON object');

  if (area === 'state' && method === 'GET') {
    return sendJson(res, 200, { tokensMinted: sim.tokensMinted, sequence: sim.sequence, liveWsConnections: sim.liveWsConnections(), openStreams: sim.openStreams() });
  }
  if (area === 'faults' && id === undefined) {
    if (method === 'DELETE') {
      sim.clearFaults();
      return void res.writeHead(204).end();
    }
    const kind = body.kind as FaultKind;
    if (method !== 'POST' || !FAULT_KINDS.includes(kind)) return sendError(res, 400, `kind must be one of ${FAULT_KINDS.join(', ')}`);
    const { kind: _kind, ...options } = body;
    sim.fault(kind, options);
    return void res.writeHead(204).end();
  }
  if (area === 'calls' && id === undefined) {
    if (method === 'GET') return sendJson(res, 200, sim.calls.map(summary));
    if (method !== 'POST' || typeof body.callerNumber !== 'string') return sendError(res, 400, 'callerNumber is required');
    const options: PlaceCallOptions = { callerNumber: body.callerNumber };
    if (typeof body.callerName === 'string') options.callerName = body.callerName;
    if (typeof body.did === 'string') options.did = body.did;
    if (typeof body.hangUpAfterMs === 'number') options.hangUpAfterMs = body.hangUpAfterMs;
    if (typeof body.directControl === 'boolean') options.directControl = body.directControl;
    const talk = callerSpeech(body.talk);
    if (talk) options.talk = talk;
    const call = sim.placeCall(options);
    return sendJson(res, 201, summary(call));
  }
  if (area === 'calls' && id !== undefined && verb === 'heard' && method === 'GET') {
    const call = sim.findCall(Number(id));
    if (call === undefined) return sendError(res, 404, `Unknown call ${id}`);
    const voices = new URL(req.url ?? '/', 'http://sim').searchParams.get('voices')?.split(',').filter(Boolean) ?? [];
    return sendJson(res, 200, { ...summary(call), heard: call.heard(voices) });
  }
  if (area === 'calls' && id !== undefined && method === 'POST') {
    const call = sim.findCall(Number(id));
    if (call === undefined) return sendError(res, 404, `Unknown call ${id}`);
    if (verb === 'hangup') call.hangUp();
    else if (verb === 'dtmf' && typeof body.digits === 'string') call.sendDtmf(body.digits);
    else return sendError(res, 404);
    return void res.writeHead(204).end();
  }
  sendError(res, 404);
}

function summary(call: ThreeCxSimulator['calls'][number]): Record<string, unknown> {
  return {
    callid: call.callid,
    participantId: call.participantId,
    callerNumber: call.callerNumber,
    state: call.state,
    endReason: call.endReason,
    connectedTo: call.connectedTo,
    routeAttempts: call.routeAttempts,
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const raw = (await readBody(req)).toString('utf8');
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * `talk: {text, afterMs?, voiceId?}`: the caller says `text` once, `afterMs` into the call (in a
 * tone voice, simulators/audio), and is silent otherwise — so an agent has something to answer.
 */
function callerSpeech(talk: unknown): Buffer | null {
  if (typeof talk !== 'object' || talk === null) return null;
  const { text, afterMs = 8000, voiceId = 'caller' } = talk as { text?: unknown; afterMs?: unknown; voiceId?: unknown };
  if (typeof text !== 'string' || typeof afterMs !== 'number' || typeof voiceId !== 'string') return null;
  return Buffer.concat([silencePcm(afterMs), synthesizeSpeech(voiceId, text), silencePcm(TALK_TAIL_MS)]);
}

/** Long enough that the looped talk does not repeat within a demo call. */
const TALK_TAIL_MS = 120_000;

function silencePcm(ms: number): Buffer {
  return Buffer.alloc(Math.max(0, Math.round(ms)) * BYTES_PER_MS);
}
