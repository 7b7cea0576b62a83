import { startThreeCxSimulator, type ThreeCxSimulator } from '../../../simulators/threecx';
import { call3cx, mintToken, openEvents, openGetStream, openPostStream, sleep, token } from './wire-client';

describe('3CX simulator: /connect/token and the one-live-token rule', () => {
  let sim: ThreeCxSimulator;
  afterEach(async () => sim.close());

  it('mints from urlencoded and multipart forms, in the [XT] TokenResponse shape', async () => {
    sim = await startThreeCxSimulator({ routePointDn: '800', clientSecret: 's3cret' });
    for (const style of ['urlencoded', 'multipart'] as const) {
      const { status, json } = await mintToken(sim, style);
      expect(status).toBe(200);
      expect(json).toEqual({ token_type: 'Bearer', expires_in: 60, access_token: expect.any(String), refresh_token: expect.any(String) });
      const payload = JSON.parse(Buffer.from(json.access_token.split('.')[1], 'base64url').toString());
      expect(payload.exp - payload.iat).toBe(3600);
    }
    expect(sim.tokensMinted).toBe(2);
  });

  it('refuses bad credentials and malformed requests with {error, error_description}', async () => {
    sim = await startThreeCxSimulator();
    const bad = await mintToken(sim, 'urlencoded', 'wrong');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    const json = await call3cx(sim, null, 'POST', '/connect/token', { client_id: sim.clientId });
    expect(json.status).toBe(400);
    expect(json.json.error).toBe('invalid_request');
    expect(sim.tokensMinted).toBe(0);
  });

  it('answers 401 on REST, streams and the WS upgrade without a valid token', async () => {
    sim = await startThreeCxSimulator();
    const call = sim.placeCall({ callerNumber: '+4915100000001' });
    expect((await call3cx(sim, null, 'GET', '/callcontrol')).status).toBe(401);
    expect((await call3cx(sim, 'not-a-token', 'GET', '/callcontrol')).status).toBe(401);
    const get = await openGetStream(sim, 'not-a-token', call.participantId);
    expect(get.status).toBe(401);
    await expect(openEvents(sim, null)).rejects.toThrow('401');
    await expect(openEvents(sim, 'not-a-token')).rejects.toThrow('401');
  });

  it('a second mint revokes the first token and cuts its WS and streams at once', async () => {
    sim = await startThreeCxSimulator();
    const first = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000002' });
    const events = await openEvents(sim, first);
    const get = await openGetStream(sim, first, call.participantId);
    const post = openPostStream(sim, first, call.participantId);
    post.write(Buffer.alloc(320));
    await sleep(100);
    expect(sim.openStreams(call.participantId)).toEqual({ get: 1, post: 1 });
    expect(sim.liveWsConnections()).toBe(1);

    const second = await token(sim);
    await expect(events.closed).resolves.toBeUndefined();
    await expect(get.ended).resolves.toBe('aborted');
    await expect(post.outcome).resolves.toBe('error');
    expect(sim.tokenMints[1]).toMatchObject({ openStreamsAtMint: 2, wsConnectionsAtMint: 1 });
    expect((await call3cx(sim, first, 'GET', '/callcontrol')).status).toBe(401);
    expect((await call3cx(sim, second, 'GET', '/callcontrol')).status).toBe(200);
    expect(sim.liveToken()).toBe(second);
    expect(sim.openStreams()).toEqual({ get: 0, post: 0 });
  });

  it('the token-expiry fault and the token lifetime both lead to 401', async () => {
    sim = await startThreeCxSimulator({ tokenLifetimeSeconds: 1, reportedExpiresIn: 'lifetime' });
    const { json } = await mintToken(sim);
    expect(json.expires_in).toBe(1);
    const call = sim.placeCall({ callerNumber: '+4915100000003' });
    const get = await openGetStream(sim, json.access_token, call.participantId);
    sim.fault('token-expiry');
    await expect(get.ended).resolves.toBe('aborted');
    expect((await call3cx(sim, json.access_token, 'GET', '/callcontrol')).status).toBe(401);

    const fresh = await token(sim);
    expect((await call3cx(sim, fresh, 'GET', '/callcontrol')).status).toBe(200);
    await sleep(1_100);
    expect((await call3cx(sim, fresh, 'GET', '/callcontrol')).status).toBe(401);
    expect(sim.liveToken()).toBeNull();
  });
});
