import { analyseHeard, classifierFirstMs, zeroRuns } from '../../scripts/bench/heard';
import { GREETING_VOICE } from '../../scripts/bench/simulators';
import { synthesizeSpeech } from '../../simulators/audio';
import { createResampler, silence } from '../../src/audio';
import { loadHoldMusic } from '../../src/gateway/media/hold-music';

// The bench reads what a simulated caller heard from the raw PCM of the simulator's ear: digital
// zeros are audio that was due and had not arrived. These tests pin that reading down on audio
// built here, sample by sample.

const AGENT = 'bench-test-agent';
const ms = (pcm: Buffer): number => pcm.length / 16;

describe('what the caller heard', () => {
  let music: Buffer;
  beforeAll(async () => {
    music = await loadHoldMusic({ file: undefined, musicEnabled: true });
  });

  it('relies on audio that never holds 1 ms of digital zeros by itself: hold music, greeting, agent speech (also resampled from 16 kHz)', async () => {
    const resampler = await createResampler(16_000, 8_000);
    const resampled = resampler.push(synthesizeSpeech(AGENT, 'I see. Could you tell me a little more?', 16_000));
    for (const pcm of [music, synthesizeSpeech(GREETING_VOICE, 'Hello, thanks for calling. Please hold.'), resampled]) {
      expect(zeroRuns(pcm.subarray(32, pcm.length - 32 * 16))).toEqual([]);
    }
  });

  it('finds the greeting, the hold’s dead air, the agent, its stalls and the lateness they cause', () => {
    const greeting = synthesizeSpeech(GREETING_VOICE, 'Hello there, please hold.');
    const first = synthesizeSpeech(AGENT, 'I see. Could you tell me more?');
    const half = Math.floor(first.length / 4) * 2;
    const second = synthesizeSpeech(AGENT, 'Thank you, that helps.');
    const pcm = Buffer.concat([
      silence(100),
      greeting,
      music.subarray(0, 16_000),
      silence(50),
      music.subarray(16_000, 24_000),
      first.subarray(0, half),
      silence(40),
      first.subarray(half),
      silence(800),
      second,
    ]);
    const heard = analyseHeard({ pcm, greetingMs: ms(greeting), greetingVoiceId: GREETING_VOICE, agentVoiceId: AGENT });

    expect(heard.firstAudioMs).toBeCloseTo(100, 0);
    expect(heard.greetingFirst).toBe(true);
    expect(heard.greetingEndMs).toBeCloseTo(100 + ms(greeting), 0);
    expect(heard.greetingHeardMs).toBeGreaterThan(ms(greeting) - 40);
    expect(heard.hold).toEqual({ deadAirMs: 50, longestGapMs: 50, gaps: 1 });
    const agentAt = 100 + ms(greeting) + 1000 + 50 + 500;
    expect(heard.agentStartMs).toBeGreaterThanOrEqual(agentAt);
    expect(heard.agentStartMs).toBeLessThanOrEqual(agentAt + 40);
    // A speech sample beside the gap may itself be a zero crossing: the stall is 40 ms and at most a sample more.
    const stalls = heard.agent!.stalls;
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toBeCloseTo(40, 0);
    expect(heard.agent?.stretches).toHaveLength(2);
    expect(heard.agent?.stretches[1]).toMatchObject({ stallMs: 0 });
    expect(heard.agent!.stretches[1]!.audioMs).toBeCloseTo(ms(second), 0);
    // Each 20 ms of the first turn after its stall is late by the stall; nothing else is.
    const lateness = heard.agent!.frameLatenessMs;
    expect(new Set(lateness)).toEqual(new Set([0, stalls[0]]));
    expect(lateness.filter((l) => l > 0).length).toBe(Math.floor((ms(first) - half / 16) / 20));
  });

  it('reads the greeting’s first frame as the tests do: 20 ms frames from the call’s start, so to the frame', () => {
    const pcm = Buffer.concat([silence(45), synthesizeSpeech(GREETING_VOICE, 'Hello there.')]);
    expect(analyseHeard({ pcm, greetingMs: 720, greetingVoiceId: GREETING_VOICE, agentVoiceId: null }).firstAudioMs).toBeCloseTo(45, 0);
    expect(classifierFirstMs(pcm, GREETING_VOICE)).toBe(40);
  });

  it('hears nothing as nothing', () => {
    expect(analyseHeard({ pcm: silence(500), greetingMs: 1000, greetingVoiceId: GREETING_VOICE, agentVoiceId: AGENT })).toMatchObject({ firstAudioMs: null, greetingFirst: false, agentStartMs: null, agent: null });
  });
});
