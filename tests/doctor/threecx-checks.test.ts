import { runDoctor } from '../../src/doctor/index';
import { startRoutePointHidingProxy } from './route-point-hiding-proxy';
import { checkOf, startWorld, type World } from './world';

describe('npm run doctor: the 3CX API client', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterEach(() => world.pbx.clearFaults());
  afterAll(() => world.close());

  it('a wrong client secret fails the token check, naming where the key is made', async () => {
    const report = await runDoctor({ config: world.config('bridge', { THREECX_CLIENT_SECRET: 'not-the-secret' }) });
    const token = checkOf(report, 'threecx.token');
    expect(token.status).toBe('fail');
    expect(token.message).toContain('invalid_client');
    expect(token.fix).toContain('3CX Admin → Integrations → API');
    expect(token.fix).toContain('THREECX_CLIENT_SECRET');
    expect(checkOf(report, 'threecx.route-point').status).toBe('skipped');
    expect(checkOf(report, 'threecx.event-socket').status).toBe('skipped');
    expect(report.ok).toBe(false);
  });

  it('a route point 3CX does not list for the API client fails with the Call Control access fix', async () => {
    const proxy = await startRoutePointHidingProxy(world.pbx.url, world.pbx.routePointDn);
    try {
      const report = await runDoctor({ config: world.config('bridge', { THREECX_URL: proxy.url }) });
      expect(checkOf(report, 'threecx.token').status).toBe('ok');
      const routePoint = checkOf(report, 'threecx.route-point');
      expect(routePoint.status).toBe('fail');
      expect(routePoint.message).toContain('Route point 800 is not among the DNs');
      expect(routePoint.fix).toContain('Call Control API access');
      expect(routePoint.fix).toContain('Enterprise');
      expect(checkOf(report, 'threecx.event-socket').status).toBe('ok');
    } finally {
      await proxy.close();
    }
  });

  it('an event socket 3CX refuses fails with the refusal it gave', async () => {
    world.pbx.fault('ws-drop', { refuseReconnectMs: 10_000 });
    const report = await runDoctor({ config: world.config('bridge'), eventSocketTimeoutMs: 1500 });
    const socket = checkOf(report, 'threecx.event-socket');
    expect(socket.status).toBe('fail');
    expect(socket.message).toContain('HTTP 503');
    expect(socket.fix).toContain('/callcontrol/ws');
    expect(world.pbx.liveWsConnections()).toBe(0);
  });

  it('an unreachable PBX fails the token check with the THREECX_URL fix', async () => {
    const report = await runDoctor({ config: world.config('bridge', { THREECX_URL: 'http://127.0.0.1:9' }) });
    expect(checkOf(report, 'threecx.token')).toMatchObject({ status: 'fail' });
    expect(checkOf(report, 'threecx.token').fix).toContain('THREECX_URL');
  });

  it('threecx: false leaves the PBX alone and says why', async () => {
    const minted = world.pbx.tokensMinted;
    const report = await runDoctor({ config: world.config('bridge'), threecx: false });
    expect(world.pbx.tokensMinted).toBe(minted);
    expect(report.checks.filter((c) => c.area === 'threecx').map((c) => c.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(checkOf(report, 'threecx.token').message).toContain('gateway');
  });
});
