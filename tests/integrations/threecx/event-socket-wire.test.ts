import { type CallControl, createCallControl, type CallControlEventMap } from '../../../src/integrations/threecx/call-control';
import { FakePbx } from './fake-pbx';

type Seen = { name: keyof CallControlEventMap; at: number; arg: any };

function record(cc: CallControl): Seen[] {
  const seen: Seen[] = [];
  const names: (keyof CallControlEventMap)[] = ['upsert', 'remove', 'dtmf', 'connected', 'gap', 'disconnected'];
  for (const name of names) cc.events.on(name, (arg: unknown) => seen.push({ name, at: performance.now(), arg }));
  return seen;
}

const event = (sequence: number, eventType: number, entity: string, attached: Record<string, unknown> = {}) => ({
  sequence,
  event: { event_type: eventType, entity, attached_data: attached },
});

describe('Call Control event socket (wire level)', () => {
  let pbx: FakePbx;
  let cc: CallControl;

  async function start(options: { autoPong?: boolean; wsPingSeconds?: number } = {}): Promise<Seen[]> {
    pbx = await FakePbx.start({ autoPong: options.autoPong ?? true });
    cc = createCallControl({ url: pbx.url, clientId: '800', clientSecret: 'secret', requestTimeoutMs: 1000, tokenRefreshSeconds: 1800, wsPingSeconds: options.wsPingSeconds ?? 5, reconnectMaxSeconds: 1 });
    const seen = record(cc);
    cc.events.start();
    await pbx.waitFor(() => seen.some((s) => s.name === 'connected'));
    return seen;
  }

  afterEach(async () => {
    await cc.close();
    await pbx.close();
  });

  it('connects with the Bearer token and emits typed events, flagging sequence gaps', async () => {
    const seen = await start();
    expect(pbx.requests.find((r) => r.path === '/callcontrol/ws')?.bearer).toBe('tok-1');
    expect(cc.events.isConnected).toBe(true);

    pbx.send(event(7, 0, '/callcontrol/800/participants/11'));
    pbx.send(event(8, 2, '/callcontrol/800/participants/11', { dtmf_input: '5' }));
    pbx.send(event(12, 1, '/callcontrol/800/participants/11'));
    pbx.send({ not: 'an event' });
    pbx.send(event(13, 3, '/callcontrol/800/participants/11'));
    await pbx.waitFor(() => seen.filter((s) => s.name !== 'connected').length >= 4);
    await new Promise((r) => setTimeout(r, 50));

    expect(seen.map((s) => [s.name, s.arg])).toEqual([
      ['connected', { reconnect: false }],
      ['upsert', { dn: '800', type: 'participants', id: '11', entity: '/callcontrol/800/participants/11', sequence: 7 }],
      ['dtmf', { dn: '800', type: 'participants', id: '11', entity: '/callcontrol/800/participants/11', sequence: 8, digits: '5' }],
      ['gap', { expected: 9, got: 12 }],
      ['remove', { dn: '800', type: 'participants', id: '11', entity: '/callcontrol/800/participants/11', sequence: 12 }],
    ]);
    expect(cc.events.counters).toEqual({ connects: 1, reconnects: 0, gaps: 1 });
  });

  it('reconnects about 250 ms after a drop and emits connected again', async () => {
    const seen = await start();
    pbx.send(event(1, 0, '/callcontrol/800/participants/11'));
    const droppedAt = performance.now();
    pbx.dropSockets();

    await pbx.waitFor(() => seen.filter((s) => s.name === 'connected').length === 2);
    const reconnected = seen.filter((s) => s.name === 'connected')[1];
    expect(reconnected?.arg).toEqual({ reconnect: true });
    expect((reconnected?.at ?? 0) - droppedAt).toBeGreaterThanOrEqual(200);
    expect((reconnected?.at ?? 0) - droppedAt).toBeLessThan(900);
    expect(seen.some((s) => s.name === 'disconnected')).toBe(true);

    // A new connection starts a new sequence: no gap against the old one.
    pbx.send(event(40, 0, '/callcontrol/800/participants/12'));
    await pbx.waitFor(() => seen.some((s) => s.name === 'upsert' && s.arg.id === '12'));
    expect(seen.some((s) => s.name === 'gap')).toBe(false);
    expect(cc.events.counters).toMatchObject({ connects: 2, reconnects: 1 });
    expect(pbx.mints).toBe(1);
  });

  it('backs off exponentially while upgrades fail, then resumes', async () => {
    const seen = await start();
    pbx.refuseUpgrade = 503;
    pbx.dropSockets();
    await new Promise((r) => setTimeout(r, 1000));
    const attempts = pbx.requests.filter((r) => r.path === '/callcontrol/ws').length - 1;
    // Retries at +250 ms and +750 ms (then +1750 ms): two in the first second, not four or more.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(3);

    pbx.refuseUpgrade = null;
    await pbx.waitFor(() => seen.filter((s) => s.name === 'connected').length === 2, 3000);
  });

  it('on a 401 upgrade invalidates the token, mints a new one and reconnects with it', async () => {
    const seen = await start();
    pbx.live = 'revoked';
    pbx.dropSockets();

    await pbx.waitFor(() => seen.filter((s) => s.name === 'connected').length === 2);
    expect(pbx.mints).toBe(2);
    expect(cc.tokens.counters.unauthorized).toBe(1);
    expect(pbx.requests.filter((r) => r.path === '/callcontrol/ws').map((r) => r.bearer)).toEqual(['tok-1', 'tok-1', 'tok-2']);
  });

  it('treats a missing pong as a dead socket and reconnects', async () => {
    const seen = await start({ autoPong: false, wsPingSeconds: 0.1 });
    await pbx.waitFor(() => seen.some((s) => s.name === 'disconnected'), 2000);
    await pbx.waitFor(() => seen.filter((s) => s.name === 'connected').length === 2, 2000);
    expect(cc.events.counters.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('close() stops reconnecting', async () => {
    await start();
    await cc.events.close();
    const upgrades = pbx.requests.filter((r) => r.path === '/callcontrol/ws').length;
    pbx.dropSockets();
    await new Promise((r) => setTimeout(r, 400));
    expect(pbx.requests.filter((r) => r.path === '/callcontrol/ws').length).toBe(upgrades);
    expect(cc.events.isConnected).toBe(false);
  });
});
