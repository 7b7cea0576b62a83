import { setTimeout as sleep } from 'node:timers/promises';
import { BYTES_PER_MS, Playout, Ticker, type AudioSink } from '../../src/gateway/media/playout';
import { LiveFeed, Loop } from '../../src/gateway/media/sources';

// What the PBX holds when the agent's first audio arrives is what the caller hears before the
// agent: music queued at the normal lead (THREECX_PLAYBACK_LEAD_MS), or only the short lead the
// gateway keeps while the agent connects. The sink records, a sample per ms, what the PBX would play.

const MUSIC = 0x11;
const AGENT = 0x22;
const NORMAL_LEAD_MS = 200;

interface Music {
  playout: Playout;
  /** A sample of every ms the PBX received, in order. */
  played: number[];
  /** When the music started (performance.now()). */
  startedAt: number;
}

/** Music playing at the normal lead on its own ticker, stopped after `body`. */
async function withMusic<T>(body: (m: Music) => Promise<T>): Promise<T> {
  const played: number[] = [];
  const sink: AudioSink = {
    write(pcm: Buffer) {
      for (let i = 0; i < pcm.length; i += BYTES_PER_MS) played.push(pcm[i]!);
      return true;
    },
  };
  const playout = new Playout(sink, NORMAL_LEAD_MS, undefined, new Ticker());
  const startedAt = performance.now();
  playout.play(new Loop(Buffer.alloc(320, MUSIC)), 'hold');
  playout.run();
  try {
    return await body({ playout, played, startedAt });
  } finally {
    playout.stop();
  }
}

function agentSpeaks(playout: Playout): void {
  const feed = new LiveFeed();
  feed.push(Buffer.alloc(1_000 * BYTES_PER_MS, AGENT), 0);
  playout.play(feed, 'live');
}

/** Milliseconds of music the caller hears between the switch to the agent and the agent's first word. */
function musicBeforeAgent(shortLeadMs: number | null): Promise<number> {
  return withMusic(async ({ playout, played }) => {
    if (shortLeadMs !== null) playout.shortLead(shortLeadMs);
    await sleep(400);
    const writtenBeforeSwitch = played.length;
    const queuedAtSwitch = Math.round(playout.bufferedMs());
    agentSpeaks(playout);
    await sleep(40);
    // Nothing of the music after the switch: the next byte the PBX gets is the agent's.
    expect(played.slice(writtenBeforeSwitch)[0]).toBe(AGENT);
    return queuedAtSwitch;
  });
}

test('at the normal lead, up to 200 ms of music is queued at the PBX when the agent starts', async () => {
  const queued = await musicBeforeAgent(null);
  expect(queued).toBeGreaterThan(150);
  expect(queued).toBeLessThanOrEqual(NORMAL_LEAD_MS + 20);
});

test('with a short lead while the agent connects, the caller hears at most that much music before the agent', async () => {
  // Audio goes out in 20 ms frames: one frame over the lead at most.
  expect(await musicBeforeAgent(60)).toBeLessThanOrEqual(80);
});

test('the agent plays at the normal lead again, and normalLead() restores it for the music', async () => {
  await withMusic(async ({ playout }) => {
    playout.shortLead(60);
    // What was queued at 200 ms plays out first.
    await sleep(250);
    expect(playout.bufferedMs()).toBeLessThanOrEqual(80);
    playout.normalLead();
    playout.tick();
    expect(playout.bufferedMs()).toBeGreaterThan(150);
    playout.shortLead(60);
    await sleep(250);
    agentSpeaks(playout);
    expect(playout.bufferedMs()).toBeGreaterThan(150);
  });
});

test('heardAt tells when the caller hears a given byte: what is queued lies ahead, what played lies behind', async () => {
  await withMusic(async ({ playout, startedAt }) => {
    await sleep(300);
    const now = performance.now();
    const buffered = playout.bufferedMs();
    expect(playout.heardAt(playout.stats.bytesWritten) - now).toBeCloseTo(buffered, 0);
    expect(Math.abs(playout.heardAt(0) - startedAt)).toBeLessThan(30);
    expect(playout.heardAt(100 * BYTES_PER_MS)).toBeLessThan(now);
  });
});
