import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallImpl } from './calls';
import { readBody, sendError, sendJson } from './http';
import { routeCall, type RouteAction, type RouteOutcome, type RouteSettings } from './routing';
import { handleStream, type StreamSettings } from './streams';
import type { TokenRecord } from './tokens';
import { CALL_REQUEST_STATUS, type CallControlResultWire, type CallRequestStatusName, type DNInfoWire, PARTICIPANT_ACTIONS, type ParticipantAction } from './wire';

export interface RestContext {
  routePointDn: string;
  answerWhenConnected: 'http-400' | 'rejected';
  finalStatusStyle: 'number' | 'string';
  routeReplies: 'after-answer' | 'immediately';
  defaultRouteTimeoutSeconds: number;
  route: RouteSettings;
  streams: StreamSettings;
  /** Participants currently on the route point, in arrival order. */
  participants(): CallImpl[];
  takeStale(participantId: number): 403 | 404 | null;
}

interface ActionBody {
  destination?: string;
  reason?: string;
  timeout?: number;
  attacheddata?: unknown;
}

/** Everything under /callcontrol except the WS (A.2), once the Bearer token has been checked. */
export async function handleCallControl(req: IncomingMessage, res: ServerResponse, segments: string[], token: TokenRecord, ctx: RestContext): Promise<void> {
  const [dn, kind, id, verb, ...rest] = segments;
  const method = req.method ?? 'GET';
  if (rest.length > 0) return sendError(res, 404);
  if (dn === undefined) return method === 'GET' ? sendJson(res, 200, [dnInfo(ctx)]) : sendError(res, 405);
  // UNCONFIRMED: a DN the app does not see answers 403 ([EP] lists 403 "no permission").
  if (dn !== ctx.routePointDn) return sendError(res, 403, `DN ${dn} is not visible to this application`);
  if (kind === undefined) return method === 'GET' ? sendJson(res, 200, dnInfo(ctx)) : sendError(res, 405);
  if (kind === 'makecall' && id === undefined) return makeCallNotSimulated(res, method);
  if (kind === 'devices') {
    if (verb === 'makecall') return makeCallNotSimulated(res, method);
    if (method !== 'GET' || verb !== undefined) return sendError(res, method === 'GET' ? 404 : 405);
    // A route point has no registered devices here; any device id is unknown.
    return id === undefined ? sendJson(res, 200, []) : sendError(res, 404, `Unknown device ${id}`);
  }
  if (kind !== 'participants') return sendError(res, 404);
  if (id === undefined) return method === 'GET' ? sendJson(res, 200, ctx.participants().map((c) => c.wire())) : sendError(res, 405);

  const call = ctx.participants().find((c) => String(c.participantId) === id);
  if (verb === 'stream') {
    if (method !== 'GET' && method !== 'POST') return sendError(res, 405);
    if (call === undefined) return sendError(res, 404, `Unknown participant ${id}`);
    if (!call.directControl) return sendError(res, 403, 'Participant is not under direct control');
    return handleStream(req, res, call, token, ctx.streams);
  }
  if (verb !== undefined && !(PARTICIPANT_ACTIONS as readonly string[]).includes(verb)) return sendError(res, 404, `Unknown action ${verb}`);
  if (method !== (verb === undefined ? 'GET' : 'POST')) return sendError(res, 405);
  const body = verb === undefined ? null : await parseActionBody(req);
  // [C-ESP]: 403 for a leg the app does not control, 404 for a stale one.
  const stale = call === undefined || verb === undefined ? null : ctx.takeStale(call.participantId);
  if (call === undefined || stale === 404) return sendError(res, 404, `Unknown participant ${id}`);
  if (stale === 403 || !call.directControl) return sendError(res, 403, 'Participant is not under direct control');
  if (verb === undefined) return sendJson(res, 200, call.wire());
  if (typeof body === 'string') return sendError(res, 400, body);
  return runAction(res, call, verb as ParticipantAction, body ?? {}, ctx);
}

// [CCX] DNInfo; `Wroutepoint` is the type [CCX] looks for in GET /callcontrol.
function dnInfo(ctx: RestContext): DNInfoWire {
  return { dn: ctx.routePointDn, type: 'Wroutepoint', devices: [], participants: ctx.participants().map((c) => c.wire()) };
}

// The makecall endpoints exist [EP, CCX] but outbound calls are not part of this simulator.
function makeCallNotSimulated(res: ServerResponse, method: string): void {
  if (method !== 'POST') return sendError(res, 405);
  sendError(res, 501, 'makecall is not simulated: this simulator only receives inbound calls on the route point');
}

/**
 * Body of POST …/{action}: JSON, `{}` at least; an empty body without Content-Type is rejected
 * [C-ESP]. Lower-case REST fields (secondary sources) or the capitalised WS CallControlRequest ones [CCX].
 */
async function parseActionBody(req: IncomingMessage): Promise<ActionBody | string> {
  const raw = await readBody(req);
  if (!/\bjson\b/i.test(req.headers['content-type'] ?? '')) return 'Content-Type must be application/json';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'Body must be a JSON object';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'Body must be a JSON object';
  const o = parsed as Record<string, unknown>;
  const pick = (lower: string, upper: string): unknown => o[lower] ?? o[upper];
  const destination = pick('destination', 'Destination');
  const reason = pick('reason', 'Reason');
  const timeout = pick('timeout', 'Timeout');
  const timeoutNumber = typeof timeout === 'string' && timeout.trim() !== '' ? Number(timeout) : timeout;
  if (timeoutNumber !== undefined && (typeof timeoutNumber !== 'number' || !Number.isFinite(timeoutNumber) || timeoutNumber < 0)) return 'timeout must be a number of seconds';
  return {
    destination: typeof destination === 'number' ? String(destination) : typeof destination === 'string' ? destination : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
    timeout: timeoutNumber,
    attacheddata: pick('attacheddata', 'AttachedData'),
  };
}

async function runAction(res: ServerResponse, call: CallImpl, action: ParticipantAction, body: ActionBody, ctx: RestContext): Promise<void> {
  const reply = (outcome: RouteOutcome, snapshot = call.wire()): void => sendJson(res, 200, result(ctx, outcome, snapshot));
  const success: RouteOutcome = { finalstatus: 'Success', reason: null, reasontext: null };
  switch (action) {
    case 'answer':
      if (call.status === 'Ringing') {
        call.answer();
        return reply(success);
      }
      // [C-ESP]: "a route point that auto-connects … can reject /answer on an already-Connected participant".
      if (ctx.answerWhenConnected === 'http-400') return sendError(res, 400, 'Participant is already connected');
      return reply({ finalstatus: 'Rejected', reason: null, reasontext: 'Participant is already connected' });
    case 'drop': {
      const snapshot = call.wire();
      call.end('dropped');
      return reply(success, snapshot);
    }
    case 'attach_participant_data':
      call.attachedData.push(body.attacheddata);
      return reply(success);
    case 'divert':
    case 'routeto':
    case 'transferto':
      return routeAction(res, call, action, body, ctx, reply);
  }
}

async function routeAction(res: ServerResponse, call: CallImpl, action: RouteAction, body: ActionBody, ctx: RestContext, reply: (o: RouteOutcome, s?: ReturnType<CallImpl['wire']>) => void): Promise<void> {
  if (body.destination === undefined || body.destination === '') return sendError(res, 400, 'destination is required');
  const snapshot = call.wire();
  const routing = routeCall(call, action, body.destination, body.timeout ?? ctx.defaultRouteTimeoutSeconds, ctx.route);
  if (ctx.routeReplies === 'immediately') {
    routing.catch(() => undefined);
    return reply({ finalstatus: 'Success', reason: null, reasontext: null }, snapshot);
  }
  reply(await routing, snapshot);
}

// [CCX] CallControlResultResponse; finalstatus numeric [CCX] or string [C-DOC] (UNCONFIRMED, option).
function result(ctx: RestContext, outcome: RouteOutcome, participant: ReturnType<CallImpl['wire']>): CallControlResultWire {
  const name: CallRequestStatusName = outcome.finalstatus;
  return {
    finalstatus: ctx.finalStatusStyle === 'string' ? name : CALL_REQUEST_STATUS[name],
    reason: outcome.reason,
    result: participant,
    reasontext: outcome.reasontext,
  };
}
