import { startThreeCxSimulator, type ThreeCxSimulator } from '../../../simulators/threecx';
import { call3cx, openGetStream, openPostStream, sleep, token, tone, writePaced } from './wire-client';

const AGENT = 'voice-agent-tone';
const CALLER = 'voice-caller-tone';

describe('3CX simulator: participant audio streams and what the caller hears', () => {
  let sim: ThreeCxSimulator;
  afterEach(async () => sim.close());

  it('POST stream paced in real time: the caller hears ~1 s of tone, then silence (dead air)', async () => {
    sim = await startThreeCxSimulator();
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000030' });
    await sleep(200);
    const post = openPostStream(sim, bearer, call.participantId);
    const sentAtMs = Date.now() - call.startedAt;
    await writePaced(post, tone(AGENT, 1_000));
    await sleep(700);
    post.end();
    expect(await post.outcome).toBe(200);

    const segments = call.heard([AGENT]);
    const voice = segments.filter((s) => s.label === 'voice');
    expect(voice).toHaveLength(1);
    expect(voice[0]!.voiceId).toBe(AGENT);
    expect(voice[0]!.startMs).toBeGreaterThanOrEqual(sentAtMs - 20);
    expect(voice[0]!.startMs).toBeLessThan(sentAtMs + 250);
    expect(voice[0]!.endMs - voice[0]!.startMs).toBeGreaterThanOrEqual(960);
    expect(voice[0]!.endMs - voice[0]!.startMs).toBeLessThanOrEqual(1_040);
    expect(segments[0]!.label).toBe('silence');
    const after = segments[segments.length - 1]!;
    expect(after).toMatchObject({ label: 'silence' });
    expect(after.endMs - after.startMs).toBeGreaterThanOrEqual(500);
    // The heard timeline is wall-clock: 16 bytes per ms since the call started.
    expect(call.heardPcm().length / 16).toBeGreaterThanOrEqual(1_750);
  });

  it('audio sent ahead of real time plays at real-time speed; a pause in sending is heard as silence', async () => {
    sim = await startThreeCxSimulator();
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000031' });
    const post = openPostStream(sim, bearer, call.participantId);
    post.write(tone(AGENT, 500));
    await sleep(900);
    post.write(tone(AGENT, 300));
    await sleep(500);
    const voice = call.heard([AGENT]).filter((s) => s.label === 'voice');
    expect(voice).toHaveLength(2);
    expect(voice[0]!.endMs - voice[0]!.startMs).toBeGreaterThanOrEqual(460);
    expect(voice[0]!.endMs - voice[0]!.startMs).toBeLessThanOrEqual(540);
    expect(voice[1]!.startMs - voice[0]!.endMs).toBeGreaterThanOrEqual(340);
    post.req.destroy();
  });

  it('GET stream carries the caller voice at real-time pace and ends when the caller hangs up', async () => {
    sim = await startThreeCxSimulator();
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000032', talk: tone(CALLER, 400) });
    const get = await openGetStream(sim, bearer, call.participantId);
    expect(get.status).toBe(200);
    await sleep(1_000);
    expect(get.bytes()).toBeGreaterThan(14_000);
    expect(get.bytes()).toBeLessThan(18_500);
    expect(sim.openStreams(call.participantId).get).toBe(1);
    call.hangUp();
    await expect(get.ended).resolves.toBe('end');
    expect(sim.openStreams()).toEqual({ get: 0, post: 0 });
  });

  it('streams on a Ringing participant are refused; a second POST stream replaces the first', async () => {
    sim = await startThreeCxSimulator({ answerMode: 'ringing' });
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000033' });
    expect((await openGetStream(sim, bearer, call.participantId)).status).toBe(403);
    await call3cx(sim, bearer, 'POST', `/callcontrol/800/participants/${call.participantId}/answer`, {});

    const first = openPostStream(sim, bearer, call.participantId);
    first.write(Buffer.alloc(320));
    await sleep(100);
    const second = openPostStream(sim, bearer, call.participantId);
    second.write(Buffer.alloc(320));
    await expect(first.outcome).resolves.toBe('error');
    expect(sim.openStreams(call.participantId).post).toBe(1);
    call.hangUp();
    await expect(second.outcome).resolves.toBe('error');
  });

  it("concurrentPostStreams 'reject' answers 409 to the second stream", async () => {
    sim = await startThreeCxSimulator({ concurrentPostStreams: 'reject' });
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000034' });
    const first = openPostStream(sim, bearer, call.participantId);
    first.write(Buffer.alloc(320));
    await sleep(100);
    const second = openPostStream(sim, bearer, call.participantId);
    second.end();
    await expect(second.outcome).resolves.toBe(409);
    first.req.destroy();
  });

  it('playoutBufferMaxMs discards audio queued too far ahead of playout', async () => {
    sim = await startThreeCxSimulator({ playoutBufferMaxMs: 300 });
    const bearer = await token(sim);
    const call = sim.placeCall({ callerNumber: '+4915100000035' });
    const post = openPostStream(sim, bearer, call.participantId);
    post.write(tone(AGENT, 1_000));
    await sleep(700);
    expect(call.droppedPlayoutBytes).toBeGreaterThanOrEqual(600 * 16);
    const voice = call.heard([AGENT]).filter((s) => s.label === 'voice');
    expect(voice).toHaveLength(1);
    expect(voice[0]!.endMs - voice[0]!.startMs).toBeLessThanOrEqual(360);
    post.req.destroy();
  });
});
