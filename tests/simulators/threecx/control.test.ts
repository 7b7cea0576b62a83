import { request } from 'undici';
import { startThreeCxSimulator, type ThreeCxSimulator } from '../../../simulators/threecx';
import { call3cx, token } from './wire-client';

async function control(sim: ThreeCxSimulator, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(`${sim.url}/_sim${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? null : JSON.parse(text) };
}

describe('3CX simulator: /_sim control endpoints (not part of 3CX)', () => {
  let sim: ThreeCxSimulator;
  afterEach(async () => sim.close());

  it('places and hangs up calls, injects and clears faults, reports counters', async () => {
    sim = await startThreeCxSimulator();
    const placed = await control(sim, 'POST', '/calls', { callerNumber: '+4915100000050', callerName: 'Max' });
    expect(placed.status).toBe(201);
    expect(placed.json).toMatchObject({ callerNumber: '+4915100000050', state: 'connected' });
    const bearer = await token(sim);
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol/800/participants')).json).toHaveLength(1);

    expect((await control(sim, 'POST', '/faults', { kind: 'rest-5xx', status: 502 })).status).toBe(204);
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol')).status).toBe(502);
    expect((await control(sim, 'POST', '/faults', { kind: 'nonsense' })).status).toBe(400);
    await control(sim, 'POST', '/faults', { kind: 'rest-5xx' });
    expect((await control(sim, 'DELETE', '/faults')).status).toBe(204);
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol')).status).toBe(200);

    expect((await control(sim, 'POST', `/calls/${placed.json.callid}/hangup`)).status).toBe(204);
    expect(sim.calls[0]!.state).toBe('ended');
    expect((await control(sim, 'GET', '/state')).json).toEqual({ tokensMinted: 1, sequence: 2, liveWsConnections: 0, openStreams: { get: 0, post: 0 } });
  });
});
