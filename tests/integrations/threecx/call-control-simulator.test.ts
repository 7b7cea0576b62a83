import { type CallControl, createCallControl, type CallControlEventMap, type EntityEvent } from '../../../src/integrations/threecx/call-control';
import { startThreeCxSimulator, type ThreeCxSimulator, type ThreeCxSimulatorOptions } from '../../../simulators/threecx';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** s16le samples of one value: easy to find again in what the caller heard. */
function tone(sample: number, ms: number): Buffer {
  const pcm = Buffer.alloc(ms * 16);
  for (let i = 0; i < pcm.length; i += 2) pcm.writeInt16LE(sample, i);
  return pcm;
}

function samplesOf(pcm: Buffer, sample: number): number {
  let count = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) if (pcm.readInt16LE(i) === sample) count += 1;
  return count;
}

describe('Call Control client against the 3CX simulator', () => {
  let sim: ThreeCxSimulator;
  let cc: CallControl;
  let seen: { name: keyof CallControlEventMap; arg: unknown }[];

  async function start(options: ThreeCxSimulatorOptions = {}, tokenRefreshSeconds = 1800): Promise<void> {
    sim = await startThreeCxSimulator({ recordHeard: true, ...options });
    cc = createCallControl({ url: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, requestTimeoutMs: 2000, tokenRefreshSeconds, wsPingSeconds: 1, reconnectMaxSeconds: 1 });
    seen = [];
    for (const name of ['upsert', 'remove', 'dtmf', 'connected', 'gap', 'disconnected'] as const) cc.events.on(name, (arg: unknown) => seen.push({ name, arg }));
    cc.events.start();
    await until(() => seen.some((s) => s.name === 'connected'));
  }

  const upserts = (): EntityEvent[] => seen.filter((s) => s.name === 'upsert').map((s) => s.arg as EntityEvent);
  const connects = (): number => seen.filter((s) => s.name === 'connected').length;

  afterEach(async () => {
    await cc.close();
    await sim.close();
  });

  it('finds its route point, sees a new call as an upsert and reads the participant', async () => {
    await start();
    const dns = await cc.rest.listDns();
    const routePoint = dns.find((d) => d.type === 'Wroutepoint');
    expect(routePoint?.dn).toBe(sim.routePointDn);

    const call = sim.placeCall({ callerNumber: '+4915112345678', callerName: 'Ana', did: '+4930123456' });
    await until(() => upserts().some((e) => e.id === String(call.participantId)));
    const event = upserts().find((e) => e.id === String(call.participantId)) as EntityEvent;
    expect(event).toMatchObject({ dn: sim.routePointDn, type: 'participants' });

    const entity = await cc.rest.getEntity(event.entity);
    expect(entity.kind).toBe('participant');
    expect(entity.value).toMatchObject({ id: call.participantId, callid: call.callid, legid: call.legid, party_caller_id: '+4915112345678', party_caller_name: 'Ana', party_did: '+4930123456' });
    expect(await cc.rest.listParticipants(sim.routePointDn)).toHaveLength(1);
  });

  it('uses one token for the socket and many concurrent REST calls', async () => {
    await start();
    const call = sim.placeCall({ callerNumber: '+4915100000001' });
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? cc.rest.listDns() : cc.rest.getParticipant(sim.routePointDn, call.participantId))));
    expect(sim.tokensMinted).toBe(1);
    expect(cc.tokens.counters.minted).toBe(1);
  });

  it('after the token dies mints exactly once, retries the request and reconnects the socket', async () => {
    await start();
    sim.fault('token-expiry');
    await expect(cc.rest.listDns()).resolves.toHaveLength(1);
    await until(() => connects() === 2);
    await cc.rest.listDns();
    expect(sim.tokensMinted).toBe(2);
    expect(cc.tokens.counters.unauthorized).toBeGreaterThanOrEqual(1);
  });

  it('does not refresh while a stream is open, and refreshes after it closed', async () => {
    await start({}, 0.3);
    const call = sim.placeCall({ callerNumber: '+4915100000002' });
    const capture = await cc.streams.openCapture(sim.routePointDn, call.participantId);
    await sleep(450);
    await cc.rest.listDns();
    expect(sim.tokensMinted).toBe(1);
    expect(sim.openStreams(call.participantId).get).toBe(1);

    capture.close();
    await capture.closed;
    await cc.rest.listDns();
    expect(sim.tokensMinted).toBe(2);
    expect(sim.tokenMints[1]?.openStreamsAtMint).toBe(0);
    expect(cc.tokens.counters.refreshes).toBe(1);
  });

  it('reconnects after a socket drop, emits connected again and keeps receiving events', async () => {
    await start();
    sim.fault('ws-drop', { refuseReconnectMs: 300 });
    await until(() => seen.some((s) => s.name === 'disconnected'));
    await until(() => connects() === 2, 5000);
    const call = sim.placeCall({ callerNumber: '+4915100000003' });
    await until(() => upserts().some((e) => e.id === String(call.participantId)));
    expect(cc.events.counters.reconnects).toBe(1);
    expect(sim.tokensMinted).toBe(1);
  });

  it('reports a sequence gap', async () => {
    await start();
    sim.placeCall({ callerNumber: '+4915100000004' });
    await until(() => upserts().length === 1);
    sim.fault('sequence-gap', { skip: 3 });
    sim.placeCall({ callerNumber: '+4915100000005' });
    await until(() => seen.some((s) => s.name === 'gap'));
    const first = upserts()[0] as EntityEvent;
    expect(seen.find((s) => s.name === 'gap')?.arg).toEqual({ expected: first.sequence + 1, got: first.sequence + 4 });
  });

  it('plays audio to the caller through one chunked POST', async () => {
    await start();
    const call = sim.placeCall({ callerNumber: '+4915100000006' });
    const playback = await cc.streams.openPlayback(sim.routePointDn, call.participantId);
    for (let i = 0; i < 15; i++) {
      playback.write(tone(1234, 20));
      await sleep(20);
    }
    expect(sim.openStreams(call.participantId).post).toBe(1);
    await sleep(150);
    await playback.end();
    expect(await playback.closed).toEqual({});

    // 300 ms written = 2400 samples, heard in real time by the caller.
    expect(samplesOf(call.heardPcm(), 1234)).toBe(2400);
    expect(sim.openStreams(call.participantId).post).toBe(0);
  });

  it('captures the caller and sees the capture end when the caller hangs up', async () => {
    await start();
    const call = sim.placeCall({ callerNumber: '+4915100000007', talk: tone(-777, 100) });
    const capture = await cc.streams.openCapture(sim.routePointDn, call.participantId);
    const heard: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of capture.chunks) heard.push(chunk);
    })();
    await until(() => samplesOf(Buffer.concat(heard), -777) >= 800);

    call.hangUp();
    expect(await capture.closed).toEqual({ reason: 'ended' });
    await reading;
    await until(() => seen.some((s) => s.name === 'remove'));
    expect(cc.tokens.openStreams).toBe(0);
  });

  it('drop ends the capture and the participant is gone afterwards', async () => {
    await start();
    const call = sim.placeCall({ callerNumber: '+4915100000008' });
    const capture = await cc.streams.openCapture(sim.routePointDn, call.participantId);

    const dropped = await cc.rest.action(sim.routePointDn, call.participantId, 'drop');
    expect(dropped).toMatchObject({ finalStatus: 'success', result: { id: call.participantId } });
    expect(await capture.closed).toEqual({ reason: 'ended' });
    await expect(cc.rest.getParticipant(sim.routePointDn, call.participantId)).rejects.toMatchObject({ name: 'ThreeCxParticipantGoneError', status: 404 });
  });

  it('maps stale participants, injected 5xx and a bad secret to their failure types', async () => {
    await start();
    const call = sim.placeCall({ callerNumber: '+4915100000009' });
    sim.fault('stale-participant', { participantId: call.participantId, status: 403 });
    await expect(cc.rest.action(sim.routePointDn, call.participantId, 'drop')).rejects.toMatchObject({ name: 'ThreeCxParticipantGoneError', status: 403 });

    sim.fault('rest-5xx', { status: 503 });
    await expect(cc.rest.listDns()).rejects.toMatchObject({ name: 'ThreeCxUnavailableError', retryable: true, status: 503 });

    const wrong = createCallControl({ url: sim.url, clientId: sim.clientId, clientSecret: 'wrong', requestTimeoutMs: 2000, tokenRefreshSeconds: 1800, wsPingSeconds: 1, reconnectMaxSeconds: 1 });
    await expect(wrong.rest.listDns()).rejects.toMatchObject({ name: 'ThreeCxAuthError', retryable: false });
    await wrong.close();
  });

  it('answers a ringing participant and reads a string finalstatus', async () => {
    await start({ answerMode: 'ringing', finalStatusStyle: 'string' });
    const call = sim.placeCall({ callerNumber: '+4915100000010' });
    await until(() => upserts().length === 1);
    expect((await cc.rest.getParticipant(sim.routePointDn, call.participantId)).status).toBe('Ringing');

    await expect(cc.rest.action(sim.routePointDn, call.participantId, 'answer')).resolves.toMatchObject({ finalStatus: 'success' });
    await call.waitForState('connected', 2000);
  });

  it('routeto waits for the answer (per-call timeout above the route timeout)', async () => {
    await start({ localDestinations: { '100': { answerAfterMs: 400 } } });
    const call = sim.placeCall({ callerNumber: '+4915100000011' });
    const started = performance.now();
    const routed = await cc.rest.action(sim.routePointDn, call.participantId, 'routeto', { destination: '100', timeout: 5 }, { timeoutMs: 6000 });
    expect(routed.finalStatus).toBe('success');
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    expect(call.connectedTo).toMatchObject({ kind: 'local', destination: '100' });
  });
});
