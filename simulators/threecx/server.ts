import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CallImpl, type CallSettings } from './calls';
import { CONTROL_PREFIX, handleControl } from './control';
import { EventHub } from './events';
import { Faults } from './faults';
import { delay, readBody, readForm, sendError, sendJson } from './http';
import { handleCallControl, type RestContext } from './rest';
import { humanSpeech } from './routing';
import { streamCounts } from './streams';
import { TokenStore } from './tokens';
import type { FaultKind, FaultOptions, PlaceCallOptions, RequestRecord, ThreeCxSimulator, ThreeCxSimulatorOptions } from './types';

const TICK_MS = 20;

/** Starts a 3CX V20 Call Control look-alike on `host:port` (default 127.0.0.1, a free port). See README.md. */
export async function startThreeCxSimulator(options: ThreeCxSimulatorOptions = {}): Promise<ThreeCxSimulator> {
  const routePointDn = options.routePointDn ?? '800';
  const clientSecret = options.clientSecret ?? 'simulator-secret';
  const requests: RequestRecord[] = [];
  const requestWatchers = new Set<(record: RequestRecord) => void>();
  const settle = (record: RequestRecord): void => {
    for (const watcher of [...requestWatchers]) watcher(record);
  };
  const logRequest = (record: RequestRecord): void => {
    requests.push(record);
    settle(record);
  };

  const tokens = new TokenStore({
    clientId: routePointDn,
    clientSecret,
    lifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    reportedExpiresIn: options.reportedExpiresIn ?? 60,
    badCredentialsStatus: options.badCredentialsStatus ?? 400,
  });
  const events = new EventHub(tokens, options.duplicateUpserts ?? false, logRequest);
  const faults = new Faults(options.restLatencyMs, options.random ?? Math.random);
  const calls: CallImpl[] = [];
  const active = new Set<CallImpl>();
  const callSettings: CallSettings = {
    routePointDn,
    trunkDn: options.trunkDn ?? '10000',
    recordHeard: options.recordHeard ?? true,
    playoutBufferMaxMs: options.playoutBufferMaxMs,
    events,
  };
  // Distinct ranges so a client that mixes up participant id, callid and legid is caught.
  let nextParticipantId = 11;
  let nextCallid = 100001;
  let nextLegid = 201;
  let closed = false;

  const participants = (): CallImpl[] => calls.filter((c) => c.onRoutePoint);
  const rest: RestContext = {
    routePointDn,
    answerWhenConnected: options.answerWhenConnected ?? 'http-400',
    finalStatusStyle: options.finalStatusStyle ?? 'number',
    routeReplies: options.routeReplies ?? 'after-answer',
    defaultRouteTimeoutSeconds: options.defaultRouteTimeoutSeconds ?? 30,
    route: { localDestinations: options.localDestinations ?? {}, externalLine: options.externalLine, faults },
    streams: { tokens, concurrentPostStreams: options.concurrentPostStreams ?? 'replace' },
    participants,
    takeStale: (id) => faults.takeStale(id),
  };

  for (const [destination, local] of Object.entries(rest.route.localDestinations)) humanSpeech(destination, local);

  const ticker = setInterval(() => {
    const now = performance.now();
    for (const call of active) {
      if (call.state === 'ended') active.delete(call);
      else call.tick(now);
    }
  }, TICK_MS);
  ticker.unref();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://pbx').pathname;
    const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const record: RequestRecord = { method: req.method ?? 'GET', path, status: 0, at: Date.now(), durationMs: null };
    requests.push(record);
    const started = performance.now();
    res.on('close', () => {
      record.status = res.statusCode;
      record.durationMs = Math.round(performance.now() - started);
      settle(record);
    });

    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) return handleControl(req, res, segments.slice(1), api);
    if (path === '/connect/token') {
      if (req.method !== 'POST') return sendError(res, 405);
      await delay(faults.restDelayMs());
      const form = await readForm(req, await readBody(req));
      if (form === null) {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'Expected application/x-www-form-urlencoded or multipart/form-data' });
      }
      const reply = tokens.mint(form);
      return sendJson(res, reply.status, reply.body);
    }
    if (segments[0] !== 'callcontrol') return sendError(res, 404);
    const isStream = segments[4] === 'stream';
    if (!isStream) await delay(faults.restDelayMs());
    const token = tokens.authenticate(req.headers.authorization);
    if (token === null) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 401);
    }
    if (segments.length === 2 && segments[1] === 'ws') return sendError(res, 426, 'Use a WebSocket upgrade');
    const injected = isStream ? null : faults.takeRest5xx(path);
    if (injected !== null) return sendError(res, injected, 'Injected fault');
    await handleCallControl(req, res, segments.slice(1), token, rest);
    if (res.headersSent && record.status === 0) {
      record.status = res.statusCode;
      settle(record);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, error instanceof Error ? error.message : String(error));
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => events.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  const api: ThreeCxSimulator = {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/callcontrol/ws`,
    port,
    routePointDn,
    clientId: routePointDn,
    clientSecret,
    placeCall(callOptions: PlaceCallOptions) {
      if (closed) throw new Error('simulator is closed');
      const ids = { participantId: nextParticipantId++, callid: nextCallid++, legid: nextLegid++ };
      const call = new CallImpl(callSettings, ids, callOptions, options.answerMode === 'ringing');
      calls.push(call);
      active.add(call);
      events.upsert(call.entity);
      return call;
    },
    calls,
    findCall: (id) => calls.find((c) => c.participantId === id || c.callid === id),
    fault<K extends FaultKind>(kind: K, faultOptions?: FaultOptions[K]) {
      const o = (faultOptions ?? {}) as Record<string, unknown>;
      if (kind === 'ws-drop') events.dropAll(typeof o.refuseReconnectMs === 'number' ? o.refuseReconnectMs : 0);
      else if (kind === 'token-expiry') tokens.expireLive();
      else if (kind === 'sequence-gap') events.skipSequence(typeof o.skip === 'number' ? o.skip : 5);
      else if (kind === 'slow-rest' && o.latencyMs === undefined) throw new Error("fault 'slow-rest' needs { latencyMs }");
      else faults.add(kind, o);
    },
    clearFaults() {
      faults.clear();
      events.clearFaults();
    },
    get tokensMinted() {
      return tokens.minted;
    },
    tokenMints: tokens.mints,
    liveToken: () => tokens.liveToken(),
    get sequence() {
      return events.sequence;
    },
    events: events.log,
    requests,
    liveWsConnections: () => events.connections,
    openStreams: (participantId) => streamCounts(participantId === undefined ? calls : calls.filter((c) => c.participantId === participantId)),
    waitForRequest(predicate, timeoutMs = 5_000) {
      const done = requests.find((r) => r.status !== 0 && predicate(r));
      if (done !== undefined) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const watcher = (r: RequestRecord): void => {
          if (r.status === 0 || !predicate(r)) return;
          clearTimeout(timer);
          requestWatchers.delete(watcher);
          resolve(r);
        };
        const timer = setTimeout(() => {
          requestWatchers.delete(watcher);
          reject(new Error(`no matching request within ${timeoutMs} ms`));
        }, timeoutMs);
        requestWatchers.add(watcher);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(ticker);
      for (const call of active) call.end('simulator-closed');
      events.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}
