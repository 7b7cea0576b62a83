import { humanVoiceId } from '../../../simulators/audio';
import { type ExternalParty, startThreeCxSimulator, type ThreeCxSimulator } from '../../../simulators/threecx';
import { call3cx, openEvents, openGetStream, openPostStream, sleep, token, tone, writePaced } from './wire-client';

const HOLD = 'voice-hold-tone';
const FAR = 'voice-far-end';
const HUMAN = humanVoiceId('200');

function fakeFarEnd(): { party: ExternalParty; heardFromCaller: Buffer[]; hungUp: () => boolean; endCall: () => void } {
  const heardFromCaller: Buffer[] = [];
  let hungUp = false;
  let endCall = (): void => undefined;
  const ended = new Promise<void>((resolve) => (endCall = resolve));
  async function* audio(): AsyncGenerator<Buffer> {
    const speech = tone(FAR, 400);
    for (let i = 0; i < 10 && !hungUp; i += 1) {
      yield speech.subarray(0, 3_200);
      yield speech.subarray(3_200);
      await sleep(400);
    }
  }
  const party: ExternalParty = { onCallerAudio: (pcm) => heardFromCaller.push(pcm), audio: audio(), hangUp: () => (hungUp = true), ended };
  return { party, heardFromCaller, hungUp: () => hungUp, endCall };
}

describe('3CX simulator: routeto / transferto', () => {
  let sim: ThreeCxSimulator;
  afterEach(async () => sim.close());
  const action = (id: number, verb: string): string => `/callcontrol/800/participants/${id}/${verb}`;

  it('routeto a local destination: the reply comes after the answer, the participant is removed, the caller hears the human', async () => {
    sim = await startThreeCxSimulator({ localDestinations: { '200': { answerAfterMs: 600 } } });
    const bearer = await token(sim);
    const events = await openEvents(sim, bearer);
    const call = sim.placeCall({ callerNumber: '+4915100000040' });
    const get = await openGetStream(sim, bearer, call.participantId);
    const post = openPostStream(sim, bearer, call.participantId);
    const holding = writePaced(post, tone(HOLD, 1_500));

    const reply = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '200', timeout: 5 });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ finalstatus: 1, result: { id: call.participantId } });
    expect(reply.ms).toBeGreaterThanOrEqual(580);
    expect(call.state).toBe('routed');
    expect(call.connectedTo).toEqual({ kind: 'local', destination: '200' });
    await events.next((m) => m.event.event_type === 1);
    await expect(get.ended).resolves.toBe('end');
    await expect(post.outcome).resolves.toBe('error');
    await holding;
    await sleep(600);

    const segments = call.heard([HOLD, HUMAN]).filter((s) => s.label === 'voice');
    expect(segments.map((s) => s.voiceId)).toEqual([HOLD, HUMAN]);
    expect(segments[1]!.startMs - segments[0]!.endMs).toBeLessThanOrEqual(40);
    expect(call.routeAttempts).toMatchObject([{ action: 'routeto', destination: '200', outcome: 'answered' }]);
    events.ws.close();
  });

  it('a failed route keeps the participant and its streams (finalstatus Failed with reasontext)', async () => {
    sim = await startThreeCxSimulator({ localDestinations: { '200': { answerAfterMs: 5_000 } } });
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000041' });
    const post = openPostStream(sim, bearer, call.participantId);

    sim.fault('route-failure', { reasontext: 'Busy here' });
    const failed = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '999555' });
    expect(failed.json).toMatchObject({ finalstatus: -1, reasontext: 'Busy here' });

    const unanswered = await call3cx(sim, bearer, 'POST', action(call.participantId, 'transferto'), { destination: '200', timeout: 1 });
    expect(unanswered.json).toMatchObject({ finalstatus: -1, reasontext: 'No answer' });
    expect(unanswered.ms).toBeGreaterThanOrEqual(950);

    sim.fault('route-no-answer');
    const noAnswer = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '999777', timeout: 0.3 });
    expect(noAnswer.json.finalstatus).toBe(-1);
    const noRule = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '999777' });
    expect(noRule.json).toMatchObject({ finalstatus: -1, reasontext: expect.stringContaining('No outbound rule') });

    expect(call.state).toBe('connected');
    expect((await call3cx(sim, bearer, 'GET', `/callcontrol/800/participants/${call.participantId}`)).status).toBe(200);
    await writePaced(post, tone(HOLD, 400));
    await sleep(100);
    expect(call.heard([HOLD]).some((s) => s.voiceId === HOLD)).toBe(true);
    expect(call.routeAttempts.map((a) => a.outcome)).toEqual(['failed', 'no-answer', 'no-answer', 'failed']);
    post.req.destroy();
  });

  it('routeto an external number bridges the caller to externalLine; far-end hang-up ends the call', async () => {
    const far = fakeFarEnd();
    const dialled: string[] = [];
    sim = await startThreeCxSimulator({
      externalLine: (destination, info) => {
        dialled.push(`${destination} from ${info.callerNumber}`);
        return sleep(300).then(() => far.party);
      },
    });
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000042', talk: tone(HOLD, 200) });
    const reply = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '9994930123450001', timeout: 30 });
    expect(reply.json.finalstatus).toBe(1);
    expect(dialled).toEqual(['9994930123450001 from +4915100000042']);
    expect(call.connectedTo).toEqual({ kind: 'external', destination: '9994930123450001' });
    await sleep(700);
    expect(call.heard([FAR]).some((s) => s.voiceId === FAR)).toBe(true);
    expect(Buffer.concat(far.heardFromCaller).length).toBeGreaterThan(8_000);
    far.endCall();
    await call.waitForState('ended', 1_000);
    expect(call.endReason).toBe('far-end-hung-up');
    expect(far.hungUp()).toBe(false);
  });

  it('a rejecting far end fails the route; the caller hanging up after a bridge hangs up the far end', async () => {
    const far = fakeFarEnd();
    let reject = true;
    sim = await startThreeCxSimulator({
      finalStatusStyle: 'string',
      externalLine: () => Promise.resolve(reject ? { reject: 'SIP 486 Busy Here' } : far.party),
    });
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000043' });
    const refused = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '999123' });
    expect(refused.json).toMatchObject({ finalstatus: 'Failed', reasontext: 'SIP 486 Busy Here' });
    reject = false;
    const ok = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '999123' });
    expect(ok.json.finalstatus).toBe('Success');
    call.hangUp();
    expect(far.hungUp()).toBe(true);
  });

  it("routeReplies 'immediately': Success at once, the Remove event follows the answer", async () => {
    sim = await startThreeCxSimulator({ routeReplies: 'immediately', localDestinations: { '200': { answerAfterMs: 400 } } });
    const bearer = await token(sim);
    const events = await openEvents(sim, bearer);
    const call = sim.placeCall({ callerNumber: '+4915100000044' });
    const reply = await call3cx(sim, bearer, 'POST', action(call.participantId, 'routeto'), { destination: '200' });
    expect(reply.json.finalstatus).toBe(1);
    expect(reply.ms).toBeLessThan(300);
    expect(call.state).toBe('connected');
    await events.next((m) => m.event.event_type === 1);
    expect(call.state).toBe('routed');
    events.ws.close();
  });
});
