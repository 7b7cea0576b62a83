import { runDoctor } from '../../src/doctor/index';
import { startRoutePointHidingProxy } from './route-point-hiding-proxy';
import { checkOf, expectFailedCheck, startWorld, type World } from './world';

describe('npm run doctor: the 3CX API client', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterEach(() => world.pbx.clearFaults());
  afterAll(() => world.close());

  it('a wrong client secret fails the token check, naming where the key is made', async () => {
    const report = await runDoctor({ config: world.config('bridge', { THREECX_CLIENT_SECRET: 'not-the-secret' }) });
    expectFailedCheck(report, 'threecx.token', { message: 'invalid_client', fix: ['3CX Admin → Integrations → API', 'THREECX_CLIENT_SECRET'] });
    expect(checkOf(report, 'threecx.route-point').status).toBe('skipped');
    expect(checkOf(report, 'threecx.event-socket').status).toBe('skipped');
    expect(report.ok).toBe(false);
  });

  it('a route point 3CX does not list for the API client fails with the Call Control access fix', async () => {
    const proxy = await startRoutePointHidingProxy(world.pbx.url, world.pbx.routePointDn);
    try {
      const report = await runDoctor({ config: world.config('bridge', { THREECX_URL: proxy.url }) });
      expect(checkOf(report, 'threecx.token').status).toBe('ok');
      expectFailedCheck(report, 'threecx.route-point', { message: 'Route point 800 is not among the DNs', fix: ['Call Control API access', 'Enterprise'] });
      expect(checkOf(report, 'threecx.event-socket').status).toBe('ok');
    } finally {
      await proxy.close();
    }
  });

  it('an event socket 3CX refuses fails with the refusal it gave', async () => {
    world.pbx.fault('ws-drop', { refuseReconnectMs: 10_000 });
    const report = await runDoctor({ config: world.config('bridge'), eventSocketTimeoutMs: 1500 });
    expectFailedCheck(report, 'threecx.event-socket', { message: 'HTTP 503', fix: ['/callcontrol/ws'] });
    expect(world.pbx.liveWsConnections()).toBe(0);
  });

  it('an unreachable PBX fails the token check with the THREECX_URL fix', async () => {
    const report = await runDoctor({ config: world.config('bridge', { THREECX_URL: 'http://127.0.0.1:9' }) });
    expectFailedCheck(report, 'threecx.token', { fix: ['THREECX_URL'] });
  });

  it('threecx: false leaves the PBX alone and says why', async () => {
    const minted = world.pbx.tokensMinted;
    const report = await runDoctor({ config: world.config('bridge'), threecx: false });
    expect(world.pbx.tokensMinted).toBe(minted);
    expect(report.checks.filter((c) => c.area === 'threecx').map((c) => c.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(checkOf(report, 'threecx.token').message).toContain('gateway');
  });
});
