import { startThreeCxSimulator, type ThreeCxSimulator } from '../../../simulators/threecx';
import { call3cx, openEvents, sleep, token } from './wire-client';

describe('3CX simulator: /callcontrol/ws events', () => {
  let sim: ThreeCxSimulator;
  afterEach(async () => sim.close());

  it('sends Upsert then Remove in the [CCX] WSEvent shape, with increasing sequence numbers', async () => {
    sim = await startThreeCxSimulator();
    const bearer = await token(sim);
    const events = await openEvents(sim, bearer);
    const call = sim.placeCall({ callerNumber: '+4915100000020' });
    const entity = `/callcontrol/800/participants/${call.participantId}`;
    const upsert = await events.next((m) => m.event.event_type === 0);
    expect(upsert).toEqual({ sequence: expect.any(Number), event: { event_type: 0, entity, attached_data: {} } });
    expect((await call3cx(sim, bearer, 'GET', upsert.event.entity)).json.status).toBe('Connected');

    call.sendDtmf('1');
    const dtmf = await events.next((m) => m.event.event_type === 2);
    expect(dtmf.event).toEqual({ event_type: 2, entity, attached_data: { dtmf_input: '1' } });

    call.hangUp();
    const remove = await events.next((m) => m.event.event_type === 1);
    expect(remove.event.entity).toBe(entity);
    expect((await call3cx(sim, bearer, 'GET', entity)).status).toBe(404);
    const sequences = events.messages.map((m) => m.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
  });

  it("answerMode 'ringing': Ringing until the app answers, then another Upsert with Connected", async () => {
    sim = await startThreeCxSimulator({ answerMode: 'ringing', duplicateUpserts: true });
    const bearer = await token(sim);
    const events = await openEvents(sim, bearer);
    const call = sim.placeCall({ callerNumber: '+4915100000021' });
    await events.next((m) => m.event.event_type === 0);
    expect(call.state).toBe('ringing');
    expect((await call3cx(sim, bearer, 'GET', `/callcontrol/800/participants/${call.participantId}`)).json.status).toBe('Ringing');
    await sleep(300);
    expect(call.state).toBe('ringing');

    const answered = await call3cx(sim, bearer, 'POST', `/callcontrol/800/participants/${call.participantId}/answer`, {});
    expect(answered.json).toMatchObject({ finalstatus: 1, result: { status: 'Connected' } });
    await call.waitForState('connected', 1_000);
    await events.next((m) => m.sequence === events.messages[0].sequence + 3);
    // Two Upserts at placement, two at answer (duplicates on).
    expect(events.messages.map((m) => m.event.event_type)).toEqual([0, 0, 0, 0]);
  });

  it('ws-drop cuts the socket; events meanwhile are not replayed; sequence-gap skips numbers', async () => {
    sim = await startThreeCxSimulator();
    const bearer = await token(sim);
    const first = await openEvents(sim, bearer);
    sim.placeCall({ callerNumber: '+4915100000022' });
    await first.next(() => true);
    sim.fault('ws-drop', { refuseReconnectMs: 300 });
    await first.closed;
    expect(sim.liveWsConnections()).toBe(0);
    const missed = sim.placeCall({ callerNumber: '+4915100000023' });
    await expect(openEvents(sim, bearer)).rejects.toThrow('503');
    await sleep(350);

    const second = await openEvents(sim, bearer);
    sim.fault('sequence-gap', { skip: 4 });
    const next = sim.placeCall({ callerNumber: '+4915100000024' });
    const event = await second.next(() => true);
    expect(second.messages).toHaveLength(1);
    expect(event.event.entity).toContain(`/${next.participantId}`);
    expect(event.sequence).toBe(first.messages[0].sequence + 1 + 5);
    expect(sim.events.find((e) => e.entity.endsWith(`/${missed.participantId}`))?.deliveredTo).toBe(0);
    second.ws.close();
  });
});
