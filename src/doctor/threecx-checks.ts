import type { Config } from '../config';
import { type CallControl, type CallControlEvents, createCallControl, isThreeCxError } from '../integrations/threecx/call-control';
import type { Logger } from '../logger';
import { describeError } from './describe-error';
import { recordingLogger } from './recording-logger';
import { checksFor, type DoctorCheck, type ThreeCxTarget } from './types';

const check = checksFor('threecx');

const API_CLIENT = '3CX Admin → Integrations → API';

export interface ThreeCxCheckOptions {
  config: Config;
  /** Where to connect when no Call Control is lent. */
  target: ThreeCxTarget | null;
  /** A running gateway's Call Control: observed, never started or closed. */
  borrowed: CallControl | undefined;
  eventSocketTimeoutMs: number;
}

export async function threeCxChecks({ config, target, borrowed, eventSocketTimeoutMs }: ThreeCxCheckOptions): Promise<DoctorCheck[]> {
  const clientId = target?.clientId ?? config.threecx.clientId;
  const recorder = recordingLogger();
  let callControl: CallControl;
  if (borrowed) callControl = borrowed;
  else if (target) callControl = connect(target, config, recorder.logger);
  else return [];
  try {
    const token = await tokenCheck(callControl, clientId, target?.url ?? config.threecx.url);
    if (token.status !== 'ok') return [token, check.skipped('threecx.route-point', 'Needs a token'), check.skipped('threecx.event-socket', 'Needs a token')];
    const routePoint = await routePointCheck(callControl, clientId);
    const socket = borrowed ? await observeSocket(borrowed.events, eventSocketTimeoutMs) : await probeSocket(callControl.events, eventSocketTimeoutMs, recorder.lastWarning);
    return [token, routePoint, socket];
  } finally {
    if (!borrowed) await callControl.close();
  }
}

function connect(target: ThreeCxTarget, config: Config, logger: Logger): CallControl {
  const t = config.threecx;
  return createCallControl({
    ...target,
    requestTimeoutMs: t.requestTimeoutMs,
    tokenRefreshSeconds: t.tokenRefreshSeconds,
    wsPingSeconds: t.wsPingSeconds,
    reconnectMaxSeconds: t.reconnectMaxSeconds,
    logger,
  });
}

async function tokenCheck(callControl: CallControl, clientId: string | undefined, url: string | undefined): Promise<DoctorCheck> {
  try {
    await callControl.tokens.get();
    return check.ok('threecx.token', `3CX issues Call Control tokens to client ${clientId ?? '?'}`);
  } catch (err) {
    if (isThreeCxError(err, 'auth')) {
      return check.fail(
        'threecx.token',
        `3CX refused the credentials of client ${clientId ?? '?'}: ${describeError(err)}`,
        `${API_CLIENT} → the API client: THREECX_CLIENT_ID must be its Client ID (the route point DN) and THREECX_CLIENT_SECRET its API key (shown once; regenerate it if lost).`,
      );
    }
    return check.fail('threecx.token', `No Call Control token from ${url ?? 'the PBX'}: ${describeError(err)}`, 'THREECX_URL must be the PBX web address with its port (e.g. https://acme.3cx.eu:5001), reachable from this host.');
  }
}

async function routePointCheck(callControl: CallControl, clientId: string | undefined): Promise<DoctorCheck> {
  const fix = `${API_CLIENT} → the API client ${clientId ?? ''}: tick "Call Control API access" (its Client ID becomes the route point DN) and assign the DIDs to it; the Call Control API needs an Enterprise licence.`;
  try {
    const dns = await callControl.rest.listDns();
    const dn = dns.find((d) => d.dn === clientId);
    const seen = dns.map((d) => `${d.dn ?? '?'} (${d.type ?? '?'})`).join(', ') || 'none';
    if (!dn) return check.fail('threecx.route-point', `Route point ${clientId ?? '?'} is not among the DNs this API client sees (GET /callcontrol: ${seen})`, fix);
    if (dn.type !== 'Wroutepoint') return check.fail('threecx.route-point', `DN ${clientId ?? '?'} is a ${dn.type ?? 'DN of unknown type'}, not a route point (Wroutepoint)`, fix);
    return check.ok('threecx.route-point', `Route point ${clientId ?? '?'} is present (${dn.participants?.length ?? 0} call(s) on it now)`);
  } catch (err) {
    return check.fail('threecx.route-point', `3CX refused GET /callcontrol: ${describeError(err)}`, fix);
  }
}

const SOCKET_FIX = `The event socket is wss://<THREECX_URL host>/callcontrol/ws: allow WebSocket upgrades through any proxy in front of 3CX, and check "Call Control API access" (${API_CLIENT}).`;

/** Connects the doctor's own socket, then closes it (with the Call Control). */
async function probeSocket(events: CallControlEvents, timeoutMs: number, lastWarning: () => string | null): Promise<DoctorCheck> {
  events.start();
  if (await connected(events, timeoutMs)) return check.ok('threecx.event-socket', 'The Call Control event socket connects');
  const why = lastWarning();
  return check.fail('threecx.event-socket', `The Call Control event socket did not connect within ${timeoutMs} ms${why ? ` (${why})` : ''}`, SOCKET_FIX);
}

/** A running gateway's socket: only watched. */
async function observeSocket(events: CallControlEvents, timeoutMs: number): Promise<DoctorCheck> {
  if (await connected(events, timeoutMs)) return check.ok('threecx.event-socket', `The gateway's Call Control event socket is connected (${events.counters.reconnects} reconnects)`);
  return check.fail('threecx.event-socket', `The gateway's Call Control event socket has not connected within ${timeoutMs} ms (${events.counters.connects} connects so far)`, SOCKET_FIX);
}

function connected(events: CallControlEvents, timeoutMs: number): Promise<boolean> {
  if (events.isConnected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onConnected = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      events.off('connected', onConnected);
      resolve(false);
    }, timeoutMs);
    events.once('connected', onConnected);
  });
}
