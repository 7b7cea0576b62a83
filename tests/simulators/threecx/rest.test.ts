import { startThreeCxSimulator, type ThreeCxSimulator } from '../../../simulators/threecx';
import { call3cx, openEvents, token } from './wire-client';

const PARTICIPANT_KEYS = [
  'id', 'status', 'dn', 'party_caller_name', 'party_dn', 'party_caller_id', 'party_did', 'device_id', 'party_dn_type', 'direct_control',
  'originated_by_dn', 'originated_by_type', 'referred_by_dn', 'referred_by_type', 'on_behalf_of_dn', 'on_behalf_of_type', 'callid', 'legid',
];

describe('3CX simulator: REST shapes and participant actions', () => {
  let sim: ThreeCxSimulator;
  let bearer: string;
  const path = (id: number, action = ''): string => `/callcontrol/${sim.routePointDn}/participants/${id}${action === '' ? '' : `/${action}`}`;

  afterEach(async () => sim.close());

  it('GET /callcontrol, /callcontrol/{dn} and participants follow [CCX] DNInfo / CallParticipant', async () => {
    sim = await startThreeCxSimulator({ routePointDn: '800' });
    bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915112345678', callerName: 'Erika Muster', did: '+493012345' });

    const all = await call3cx(sim, bearer, 'GET', '/callcontrol');
    expect(all.status).toBe(200);
    expect(all.json).toHaveLength(1);
    expect(all.json[0]).toMatchObject({ dn: '800', type: 'Wroutepoint', devices: [] });
    const [participant] = all.json[0].participants;
    expect(Object.keys(participant).sort()).toEqual([...PARTICIPANT_KEYS].sort());
    expect(participant).toMatchObject({
      id: call.participantId,
      status: 'Connected',
      dn: '800',
      party_caller_id: '+4915112345678',
      party_caller_name: 'Erika Muster',
      party_did: '+493012345',
      party_dn_type: 'Wexternalline',
      direct_control: true,
      callid: call.callid,
      legid: call.legid,
    });
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol/800')).json.participants).toEqual([participant]);
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol/800/participants')).json).toEqual([participant]);
    expect((await call3cx(sim, bearer, 'GET', path(call.participantId))).json).toEqual(participant);
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol/800/devices')).json).toEqual([]);
    expect((await call3cx(sim, bearer, 'GET', path(9999))).status).toBe(404);
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol/801')).status).toBe(403);
    expect((await call3cx(sim, bearer, 'POST', '/callcontrol/800/makecall', { destination: '100' })).status).toBe(501);
  });

  it('rejects an action without a JSON body, accepts {} and capitalised fields', async () => {
    sim = await startThreeCxSimulator();
    bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000010' });
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'attach_participant_data'))).status).toBe(400);
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'attach_participant_data'), 'not json')).status).toBe(400);
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'routeto'), {})).status).toBe(400);
    const ok = await call3cx(sim, bearer, 'POST', path(call.participantId, 'attach_participant_data'), { AttachedData: { ref: 'x' } });
    expect(ok.json).toEqual({ finalstatus: 1, reason: null, result: expect.objectContaining({ id: call.participantId }), reasontext: null });
    expect(call.attachedData).toEqual([{ ref: 'x' }]);
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'attach_party_data'), {})).status).toBe(404);
  });

  it('drop removes the participant (Remove event) and ends the caller; later actions get 404', async () => {
    sim = await startThreeCxSimulator();
    bearer = await token(sim);
    const events = await openEvents(sim, bearer);
    const call = sim.placeCall({ callerNumber: '+4915100000011' });
    const reply = await call3cx(sim, bearer, 'POST', path(call.participantId, 'drop'), {});
    expect(reply.json.finalstatus).toBe(1);
    expect(call.state).toBe('ended');
    expect(call.endReason).toBe('dropped');
    await events.next((m) => m.event.event_type === 1 && m.event.entity === `/callcontrol/800/participants/${call.participantId}`);
    expect((await call3cx(sim, bearer, 'GET', path(call.participantId))).status).toBe(404);
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'drop'), {})).status).toBe(404);
    events.ws.close();
  });

  it('answer on a Connected participant: HTTP 400, or finalstatus "Rejected" as a string', async () => {
    sim = await startThreeCxSimulator();
    bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000012' });
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'answer'), {})).status).toBe(400);
    await sim.close();

    sim = await startThreeCxSimulator({ answerWhenConnected: 'rejected', finalStatusStyle: 'string' });
    bearer = await token(sim);
    const other = sim.placeCall({ callerNumber: '+4915100000013' });
    const reply = await call3cx(sim, bearer, 'POST', path(other.participantId, 'answer'), {});
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ finalstatus: 'Rejected', reasontext: expect.any(String) });
  });

  it('403 for a participant not under direct control; faults: stale participant, REST 5xx once, slow REST', async () => {
    sim = await startThreeCxSimulator();
    bearer = await token(sim);
    const foreign = sim.placeCall({ callerNumber: '+4915100000014', directControl: false });
    expect((await call3cx(sim, bearer, 'GET', path(foreign.participantId))).status).toBe(403);
    expect((await call3cx(sim, bearer, 'POST', path(foreign.participantId, 'drop'), {})).status).toBe(403);

    const call = sim.placeCall({ callerNumber: '+4915100000015' });
    sim.fault('stale-participant', { participantId: call.participantId, status: 404 });
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'attach_participant_data'), {})).status).toBe(404);
    sim.fault('stale-participant', { status: 403 });
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'attach_participant_data'), {})).status).toBe(403);
    expect((await call3cx(sim, bearer, 'POST', path(call.participantId, 'attach_participant_data'), {})).status).toBe(200);

    sim.fault('rest-5xx', { status: 503 });
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol')).status).toBe(503);
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol')).status).toBe(200);

    sim.fault('slow-rest', { latencyMs: 300 });
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol')).ms).toBeGreaterThanOrEqual(280);
    sim.clearFaults();
    expect((await call3cx(sim, bearer, 'GET', '/callcontrol')).ms).toBeLessThan(200);
    expect(sim.requests.filter((r) => r.path === '/callcontrol').map((r) => r.status)).toEqual([503, 200, 200, 200]);
  });
});
