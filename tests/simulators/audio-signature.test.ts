import {
  VOICE_SIGNATURE_COUNT,
  classifyFrames,
  classifyFramesAgainst,
  humanVoiceId,
  longestSilenceMs,
  signatureAt,
  synthesizeSpeech,
  toSegments,
  voiceMs,
  voiceSignature,
  voiceTones,
  type FrameLabel,
} from '../../simulators/audio';
import { createResampler } from '../../src/audio/resampler';

const TEXT = 'Hello, thanks for calling. Please hold while we connect you.';

/** Deterministic pseudo-random numbers, so failures reproduce. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

function randomIds(count: number, seed: number): string[] {
  const random = lcg(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length: count }, () => Array.from({ length: 20 }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
}

/** A soft C major chord with harmonics: "music" that is neither silence nor a voice. */
function chord(ms: number): Buffer {
  const n = ms * 8;
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i += 1) {
    let v = 0;
    for (const f of [261.63, 329.63, 392.0]) v += Math.sin((2 * Math.PI * f * i) / 8000) + 0.4 * Math.sin((4 * Math.PI * f * i) / 8000);
    out.writeInt16LE(Math.round(v * 3000), i * 2);
  }
  return out;
}

const silenceMs = (ms: number) => Buffer.alloc(ms * 16);
const isVoice = (label: FrameLabel, id: string) => typeof label === 'object' && label.voice === id;
const share = (labels: FrameLabel[], id: string) => labels.filter((l) => isVoice(l, id)).length / labels.length;

describe('voice signatures', () => {
  test('tones are stable, on the 50 Hz grid, 350-3000 Hz, at least 250 Hz apart and not harmonics of each other', () => {
    for (const id of [...randomIds(200, 1), humanVoiceId('800'), '']) {
      const [low, high] = voiceTones(id);
      expect(voiceTones(id)).toEqual([low, high]);
      expect(low % 50).toBe(0);
      expect(high % 50).toBe(0);
      expect(low).toBeGreaterThanOrEqual(350);
      expect(high).toBeLessThanOrEqual(3000);
      expect(high - low).toBeGreaterThanOrEqual(250);
      expect(high % low).not.toBe(0);
    }
    expect(humanVoiceId('800')).toBe('human:800');
    expect(VOICE_SIGNATURE_COUNT).toBeGreaterThan(8000);
    expect(() => signatureAt(VOICE_SIGNATURE_COUNT)).toThrow(RangeError);
  });

  test('hashing spreads ids over the grid', () => {
    const used = new Set(randomIds(2000, 2).map((id) => JSON.stringify(voiceSignature(id))));
    // 2000 draws from ~8000 signatures: about 1780 distinct expected.
    expect(used.size).toBeGreaterThan(1650);
  });
});

describe('synthesizeSpeech', () => {
  test('60 ms per character, at least 400 ms, at most 8 s, at every supported rate', () => {
    for (const rate of [8000, 16000, 22050, 24000, 44100]) {
      expect(synthesizeSpeech('v', 'x'.repeat(20), rate).length).toBe(Math.round(1.2 * rate) * 2);
      expect(synthesizeSpeech('v', 'hi', rate).length).toBe(Math.round(0.4 * rate) * 2);
      expect(synthesizeSpeech('v', 'x'.repeat(1000), rate).length).toBe(8 * rate * 2);
    }
    expect(() => synthesizeSpeech('v', 'hi', 4000)).toThrow(RangeError);
  });

  test('is deterministic, peaks near -6 dBFS and has no silence inside', () => {
    const pcm = synthesizeSpeech('agent-voice', TEXT);
    expect(synthesizeSpeech('agent-voice', TEXT).equals(pcm)).toBe(true);
    expect(synthesizeSpeech('agent-voice', `${TEXT}!`).equals(pcm)).toBe(false);
    let peak = 0;
    for (let i = 0; i < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
    expect(peak).toBeLessThanOrEqual(16384);
    expect(peak).toBeGreaterThan(16384 * 0.7);
    const labels = classifyFrames(pcm, ['agent-voice']);
    expect(labels).not.toContain('silence');
    expect(longestSilenceMs(toSegments(labels))).toBe(0);
  });
});

describe('classifyFrames', () => {
  const ids = randomIds(50, 3);

  test('the 50 ids used below have 50 different signatures (fixed seed)', () => {
    expect(new Set(ids.map((id) => JSON.stringify(voiceSignature(id)))).size).toBe(50);
  });

  test('speech by each of 50 voices is recognised as that voice among all 50 candidates', () => {
    for (const id of ids) {
      const labels = classifyFrames(synthesizeSpeech(id, TEXT), ids);
      expect(share(labels, id)).toBeGreaterThanOrEqual(0.95);
      expect(labels.filter((l) => typeof l === 'object' && l.voice !== id)).toEqual([]);
    }
  });

  test('speech by X is never taken for Y, for every ordered pair of the 50', () => {
    const speech = new Map(ids.map((id) => [id, synthesizeSpeech(id, 'short phrase')]));
    for (const x of ids) {
      for (const y of ids) {
        if (x === y) continue;
        const labels = classifyFrames(speech.get(x)!, [y]);
        expect(labels.some((l) => typeof l === 'object')).toBe(false);
      }
    }
  });

  test('voices sharing both tones are told apart by their level difference', () => {
    const byTones = new Map<string, string[]>();
    for (let i = 0; i < 5000; i += 1) {
      const id = `pool-${i}`;
      const key = voiceTones(id).join('/');
      byTones.set(key, [...(byTones.get(key) ?? []), id]);
    }
    const group = [...byTones.values()]
      .map((list) => list.filter((id, i) => list.findIndex((o) => voiceSignature(o).levelDifferenceDb === voiceSignature(id).levelDifferenceDb) === i))
      .find((list) => list.length >= 2)!;
    expect(group).toBeDefined();
    for (const id of group) expect(share(classifyFrames(synthesizeSpeech(id, TEXT), group), id)).toBeGreaterThanOrEqual(0.95);
  });

  test('a timeline of silence, voice, music, voice comes back as segments at the right times', () => {
    const [a, b] = ids as [string, string];
    const speechA = synthesizeSpeech(a, 'x'.repeat(20)); // 1200 ms
    const speechB = synthesizeSpeech(b, 'x'.repeat(10)); // 600 ms
    // 310 ms of silence: the frame grid does not line up with the audio.
    const pcm = Buffer.concat([silenceMs(310), speechA, chord(500), speechB, silenceMs(100)]);
    const segments = toSegments(classifyFrames(pcm, [a, b, humanVoiceId('800')]));
    expect(segments.map((s) => s.label)).toEqual(['silence', 'voice', 'audio', 'voice', 'silence']);
    expect(segments[1]!.voiceId).toBe(a);
    expect(segments[3]!.voiceId).toBe(b);
    const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(40);
    near(segments[1]!.startMs, 310);
    near(segments[2]!.startMs, 1510);
    near(segments[3]!.startMs, 2010);
    near(segments[4]!.startMs, 2610);
    expect(voiceMs(segments, a)).toBeGreaterThanOrEqual(1160);
    near(longestSilenceMs(segments, 0, 2600), 310);
  });

  test('two voices at once are "audio" or whichever clearly dominates; music and noise are "audio"; quiet noise is silence', () => {
    const [a, b] = ids as [string, string];
    const x = synthesizeSpeech(a, TEXT);
    const y = synthesizeSpeech(b, TEXT);
    const both = Buffer.alloc(Math.min(x.length, y.length));
    for (let i = 0; i < both.length; i += 2) both.writeInt16LE((x.readInt16LE(i) + y.readInt16LE(i)) >> 1, i);
    const overlapping = classifyFrames(both, [a, b]);
    expect(overlapping.filter((l) => l === 'audio').length / overlapping.length).toBeGreaterThan(0.5);
    expect(overlapping).not.toContain('silence');
    expect(new Set(classifyFrames(chord(2000), ids))).toEqual(new Set(['audio']));
    const random = lcg(9);
    const noise = (amplitude: number) => {
      const out = Buffer.alloc(16_000);
      for (let i = 0; i < out.length; i += 2) out.writeInt16LE(Math.round((random() * 2 - 1) * amplitude), i);
      return out;
    };
    expect(new Set(classifyFrames(noise(8000), ids))).toEqual(new Set(['audio']));
    // ±100 uniform noise: RMS 58 ≈ -55 dBFS.
    expect(new Set(classifyFrames(noise(100), ids))).toEqual(new Set(['silence']));
  });

  test('audio delivered in chunks split at arbitrary bytes, at an odd byteOffset, classifies the same', () => {
    const [a] = ids as [string];
    const pcm = Buffer.concat([chord(137), synthesizeSpeech(a, TEXT)]);
    const random = lcg(4);
    const chunks: Buffer[] = [];
    for (let at = 0; at < pcm.length; ) {
      const size = 1 + Math.floor(random() * 333);
      chunks.push(Buffer.from(pcm.subarray(at, at + size)));
      at += size;
    }
    const joined = Buffer.concat(chunks);
    const backing = Buffer.alloc(joined.length + 1);
    joined.copy(backing, 1);
    const odd = backing.subarray(1);
    expect(odd.byteOffset % 2).toBe(1);
    const labels = classifyFrames(odd, ids);
    expect(labels).toEqual(classifyFrames(pcm, ids));
    const speechFrames = labels.slice(Math.ceil(137 / 20));
    expect(share(speechFrames, a)).toBeGreaterThanOrEqual(0.95);
    // A trailing odd byte or partial frame is ignored.
    expect(classifyFrames(Buffer.concat([pcm, Buffer.alloc(1)]), ids)).toHaveLength(labels.length);
  });

  test('a voice synthesized at 16 kHz and resampled to 8 kHz in random chunks still classifies', async () => {
    const random = lcg(5);
    for (const id of ids.slice(0, 10)) {
      const source = synthesizeSpeech(id, TEXT, 16_000);
      const resampler = await createResampler(16_000, 8000);
      const out: Buffer[] = [];
      for (let at = 0; at < source.length; ) {
        const size = 1 + Math.floor(random() * 2000);
        out.push(resampler.push(source.subarray(at, at + size)));
        at += size;
      }
      out.push(resampler.flush());
      resampler.close();
      expect(share(classifyFrames(Buffer.concat(out), ids), id)).toBeGreaterThanOrEqual(0.95);
    }
  });

  test('frames of 40 ms work; frames that are not a multiple of 20 ms are refused', () => {
    const [a] = ids as [string];
    const pcm = synthesizeSpeech(a, TEXT);
    const labels = classifyFrames(pcm, [a], 40);
    expect(labels).toHaveLength(Math.floor(pcm.length / 640));
    expect(share(labels, a)).toBeGreaterThanOrEqual(0.95);
    expect(() => classifyFrames(pcm, [a], 10)).toThrow(RangeError);
  });

  // CPU time, not wall time: other suites may be running on the same cores.
  test('classifying 60 s against 10 candidates takes well under 100 ms of CPU', () => {
    const candidates = ids.slice(0, 10);
    const speech = synthesizeSpeech(candidates[3]!, 'x'.repeat(1000));
    const minute = Buffer.concat([...Array.from({ length: 6 }, () => [speech, chord(2000)]).flat()]).subarray(0, 60 * 16_000);
    classifyFrames(minute, candidates);
    const times: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      const started = process.cpuUsage();
      classifyFrames(minute, candidates);
      const used = process.cpuUsage(started);
      times.push((used.user + used.system) / 1000);
    }
    expect(Math.min(...times)).toBeLessThan(100);
  });

  test('classifyFramesAgainst takes signatures directly', () => {
    const [a] = ids as [string];
    const labels = classifyFramesAgainst(synthesizeSpeech(a, TEXT), [{ id: 'mine', signature: voiceSignature(a) }]);
    expect(share(labels, 'mine')).toBeGreaterThanOrEqual(0.95);
  });
});

describe('toSegments', () => {
  const v = (voice: string): FrameLabel => ({ voice });

  test('merges equal labels and absorbs a lone differing frame between two equal runs', () => {
    expect(toSegments([v('a'), v('a'), 'silence', v('a'), 'audio', 'audio'])).toEqual([
      { label: 'voice', voiceId: 'a', startMs: 0, endMs: 80 },
      { label: 'audio', startMs: 80, endMs: 120 },
    ]);
    expect(toSegments(['audio', 'silence', 'audio', 'silence', 'audio'], 10)).toEqual([{ label: 'audio', startMs: 0, endMs: 50 }]);
    expect(toSegments([v('a'), v('b'), v('a')])).toEqual([{ label: 'voice', voiceId: 'a', startMs: 0, endMs: 60 }]);
  });

  test('a lone "audio" frame where a voice starts or stops after silence joins the voice', () => {
    const labels: FrameLabel[] = ['silence', 'silence', 'audio', v('a'), v('a'), 'audio', 'silence', 'silence'];
    expect(toSegments(labels).map((s) => [s.label, s.startMs, s.endMs])).toEqual([
      ['silence', 0, 40],
      ['voice', 40, 120],
      ['silence', 120, 160],
    ]);
    expect(toSegments([v('a'), v('a'), 'audio', v('b'), v('b')]).map((s) => s.label)).toEqual(['voice', 'audio', 'voice']);
    expect(toSegments(['silence', 'silence', 'audio', 'audio', v('a')]).map((s) => s.label)).toEqual(['silence', 'audio', 'voice']);
  });

  test('never hides a silence gap of two frames or more, nor a lone frame between different runs', () => {
    expect(toSegments([v('a'), 'silence', 'silence', v('a')]).map((s) => [s.label, s.startMs, s.endMs])).toEqual([
      ['voice', 0, 20],
      ['silence', 20, 60],
      ['voice', 60, 80],
    ]);
    expect(toSegments(['audio', 'silence', v('a')]).map((s) => s.label)).toEqual(['audio', 'silence', 'voice']);
    expect(toSegments(['silence', v('a')]).map((s) => s.label)).toEqual(['silence', 'voice']);
    expect(toSegments([])).toEqual([]);
  });

  test('longestSilenceMs clips to the window', () => {
    const segments = toSegments(['silence', 'silence', 'silence', 'audio', 'audio', 'silence', 'silence']);
    expect(longestSilenceMs(segments)).toBe(60);
    expect(longestSilenceMs(segments, 40)).toBe(40);
    expect(longestSilenceMs(segments, 40, 50)).toBe(10);
    expect(longestSilenceMs(segments, 60, 100)).toBe(0);
  });
});
