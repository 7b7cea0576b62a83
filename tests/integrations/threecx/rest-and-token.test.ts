import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallControl, createCallControl } from '../../../src/integrations/threecx/call-control';
import { FakePbx, json, readBody } from './fake-pbx';

const participant = { id: 11, status: 'Connected', party_caller_id: '+4930111', callid: 101, legid: 201, dn: '800', some_future_field: true };

function connect(pbx: FakePbx, overrides: Partial<Parameters<typeof createCallControl>[0]> = {}): CallControl {
  return createCallControl({
    url: pbx.url,
    clientId: '800',
    clientSecret: 'secret',
    requestTimeoutMs: 1000,
    tokenRefreshSeconds: 1800,
    wsPingSeconds: 5,
    reconnectMaxSeconds: 1,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Call Control token and REST client (wire level)', () => {
  let pbx: FakePbx;
  let cc: CallControl;

  beforeEach(async () => {
    pbx = await FakePbx.start({ tokenDelayMs: 30 });
    pbx.handler = (req, res) => {
      if (req.url === '/callcontrol') return json(res, 200, [{ dn: '800', type: 'Wroutepoint', participants: [participant], devices: [] }]);
      if (req.url === '/callcontrol/800/participants/11') return json(res, 200, participant);
      return json(res, 404, { error: 'not found' });
    };
    cc = connect(pbx);
  });
  afterEach(async () => {
    await cc.close();
    await pbx.close();
  });

  it('mints one token (form-urlencoded) for many concurrent calls and reuses it', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, () => cc.rest.listDns()));
    await cc.rest.getParticipant('800', 11);

    expect(pbx.mints).toBe(1);
    expect(cc.tokens.counters).toEqual({ minted: 1, refreshes: 0, unauthorized: 0 });
    const tokenRequest = pbx.requests.find((r) => r.path === '/connect/token');
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new Set(pbx.requests.filter((r) => r.path.startsWith('/callcontrol')).map((r) => r.bearer))).toEqual(new Set(['tok-1']));
    expect(results[0]?.[0]?.participants?.[0]).toMatchObject({ id: 11, party_caller_id: '+4930111', some_future_field: true });
  });

  it('on a 401 invalidates the token, mints once (even for concurrent 401s) and retries', async () => {
    await cc.rest.listDns();
    pbx.live = 'revoked-by-pbx';

    const results = await Promise.all(Array.from({ length: 8 }, () => cc.rest.getParticipant('800', 11)));

    expect(results.every((p) => p.id === 11)).toBe(true);
    expect(pbx.mints).toBe(2);
    expect(cc.tokens.counters.minted).toBe(2);
    expect(cc.tokens.counters.unauthorized).toBe(8);
    expect(cc.tokens.current).toBe('tok-2');
  });

  it('gives up with ThreeCxAuthError when the fresh token is refused too', async () => {
    pbx.handler = (_req, res) => void res.writeHead(401).end();

    const error = await rejection(cc.rest.listDns());

    expect(error.name).toBe('ThreeCxAuthError');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(401);
    expect(pbx.mints).toBe(2);
  });

  it('maps a token failure body {error, error_description} to ThreeCxAuthError', async () => {
    const bad = connect(pbx, { clientSecret: 'wrong' });
    const error = await rejection(bad.rest.listDns());
    await bad.close();

    expect(error.name).toBe('ThreeCxAuthError');
    expect(error.message).toContain('Invalid client credentials');
    expect(error.status).toBe(400);
  });

  it('refreshes a due token only when no stream lease is held', async () => {
    const streaming = connect(pbx, { tokenRefreshSeconds: 0.15 });
    pbx.handler = (req, res) => {
      if (req.url?.endsWith('/stream')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(320));
        return;
      }
      json(res, 200, [{ dn: '800', type: 'Wroutepoint' }]);
    };
    try {
      const capture = await streaming.streams.openCapture('800', 11);
      expect(streaming.tokens.openStreams).toBe(1);
      await new Promise((r) => setTimeout(r, 250));
      await streaming.rest.listDns();
      expect(pbx.mints).toBe(1);

      capture.close();
      await capture.closed;
      expect(streaming.tokens.openStreams).toBe(0);
      await streaming.rest.listDns();
      expect(pbx.mints).toBe(2);
      expect(streaming.tokens.counters.refreshes).toBe(1);
    } finally {
      await streaming.close();
    }
  });

  it('sends actions as JSON (at least {}) with lower-case fields and normalises finalstatus', async () => {
    const bodies: { path: string; contentType: string | undefined; body: string }[] = [];
    const replies = [
      { finalstatus: 1, reason: 'Success', reasontext: null, result: participant },
      { finalstatus: 'Success', reason: null, reasontext: 'ok' },
      { finalstatus: 0, reasontext: 'no' },
      { finalstatus: 'Failed' },
      { finalstatus: -1 },
      {},
    ];
    pbx.handler = (req, res) => {
      void readBody(req).then((body) => {
        bodies.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
        json(res, 200, replies[bodies.length - 1]);
      });
    };

    const results = [
      await cc.rest.action('800', 11, 'answer'),
      await cc.rest.action('800', 11, 'routeto', { destination: '9994930', timeout: 30, reason: 'None' }),
      await cc.rest.action('800', 11, 'drop'),
      await cc.rest.action('800', 11, 'divert', { destination: '100' }),
      await cc.rest.action('800', 11, 'transferto', { destination: '100' }),
      await cc.rest.action('800', 11, 'attach_participant_data', { attacheddata: { call_ref: 'x' } }),
    ];

    expect(bodies.map((b) => b.contentType)).toEqual(Array(6).fill('application/json; charset=utf-8'));
    expect(bodies[0]).toMatchObject({ path: '/callcontrol/800/participants/11/answer', body: '{}' });
    expect(JSON.parse(bodies[1]?.body ?? '')).toEqual({ destination: '9994930', timeout: 30, reason: 'None' });
    expect(JSON.parse(bodies[5]?.body ?? '')).toEqual({ attacheddata: { call_ref: 'x' } });
    expect(results.map((r) => r.finalStatus)).toEqual(['success', 'success', 'rejected', 'failed', 'failed', null]);
    expect(results[0]).toMatchObject({ reason: 'Success', reasonText: null, result: { id: 11 } });
    expect(results[1]).toEqual({ finalStatus: 'success', reason: null, reasonText: 'ok' });
  });

  it('GETs an event entity path and types it by its type part', async () => {
    const entity = await cc.rest.getEntity('/callcontrol/800/participants/11');
    expect(entity).toMatchObject({ kind: 'participant', ref: { dn: '800', type: 'participants', id: '11' }, value: { callid: 101 } });
    await expect(cc.rest.getEntity('/elsewhere/../x')).rejects.toMatchObject({ name: 'ThreeCxBadRequestError' });
  });

  it.each([
    [403, '/callcontrol/800/participants/11/drop', 'ThreeCxParticipantGoneError', false],
    [404, '/callcontrol/800/participants/11/drop', 'ThreeCxParticipantGoneError', false],
    [403, '/callcontrol', 'ThreeCxAuthError', false],
    [404, '/callcontrol', 'ThreeCxBadRequestError', false],
    [400, '/callcontrol/800/participants/11/drop', 'ThreeCxBadRequestError', false],
    [500, '/callcontrol/800/participants/11/drop', 'ThreeCxUnavailableError', true],
    [503, '/callcontrol', 'ThreeCxUnavailableError', true],
  ])('maps HTTP %i on %s to %s', async (status, path, name, retryable) => {
    pbx.handler = (_req, res) => json(res, status, { message: 'refused by the PBX' });
    const call = path === '/callcontrol' ? cc.rest.listDns() : cc.rest.action('800', 11, 'drop');

    const error = await rejection(call);

    expect(error).toMatchObject({ name, retryable, status, path });
    expect(error.bodyExcerpt).toContain('refused by the PBX');
  });

  it('times out per request, with a per-call override, and honours the caller’s AbortSignal', async () => {
    const quick = connect(pbx, { requestTimeoutMs: 150 });
    pbx.handler = (_req, res) => void setTimeout(() => json(res, 200, { finalstatus: 1 }), 300);
    try {
      await quick.tokens.get();
      const timedOut = await rejection(quick.rest.action('800', 11, 'routeto', { destination: '100' }));
      expect(timedOut).toMatchObject({ name: 'ThreeCxUnavailableError', retryable: true });
      expect(timedOut.message).toContain('150 ms');

      await expect(quick.rest.action('800', 11, 'routeto', { destination: '100' }, { timeoutMs: 1000 })).resolves.toMatchObject({ finalStatus: 'success' });

      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('caller hung up')), 50);
      await expect(quick.rest.action('800', 11, 'routeto', { destination: '100' }, { timeoutMs: 1000, signal: controller.signal })).rejects.toThrow('caller hung up');
    } finally {
      await quick.close();
    }
  });

  it('reports a refused connection as ThreeCxUnavailableError', async () => {
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const { port } = spare.address() as AddressInfo;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    const nowhere = createCallControl({ url: `http://127.0.0.1:${port}`, clientId: '800', clientSecret: 'secret', requestTimeoutMs: 1000, tokenRefreshSeconds: 1800, wsPingSeconds: 5, reconnectMaxSeconds: 1 });

    const error = await rejection(nowhere.rest.listDns());
    await nowhere.close();

    expect(error).toMatchObject({ name: 'ThreeCxUnavailableError', retryable: true, path: '/connect/token' });
  });
});
