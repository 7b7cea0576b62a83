import { setTimeout as sleep } from 'node:timers/promises';
import { BYTES_PER_MS, Playout, Ticker, type AudioSink } from '../../src/gateway/media/playout';
import { LiveFeed, Loop } from '../../src/gateway/media/sources';

// What the PBX holds when the agent's first audio arrives is what the caller hears before the
// agent: music queued at the normal lead (THREECX_PLAYBACK_LEAD_MS), or only the short lead the
// gateway keeps while the agent connects. The sink records, byte by byte, what the PBX would play.

const MUSIC = 0x11;
const AGENT = 0x22;

function recordingSink(): AudioSink & { played: number[] } {
  const played: number[] = [];
  return {
    played,
    write(pcm: Buffer) {
      for (let i = 0; i < pcm.length; i += BYTES_PER_MS) played.push(pcm[i]!);
      return true;
    },
  };
}

/** Milliseconds of music the caller hears between the switch to the agent and the agent's first word. */
async function musicBeforeAgent(shortLeadMs: number | null): Promise<number> {
  const sink = recordingSink();
  const ticker = new Ticker();
  const playout = new Playout(sink, 200, undefined, ticker);
  try {
    playout.play(new Loop(Buffer.alloc(320, MUSIC)), 'hold');
    playout.run();
    if (shortLeadMs !== null) playout.shortLead(shortLeadMs);
    await sleep(400);
    const writtenBeforeSwitch = sink.played.length;
    const queuedAtSwitch = Math.round(playout.bufferedMs());
    const feed = new LiveFeed();
    feed.push(Buffer.alloc(1_000 * BYTES_PER_MS, AGENT), 0);
    playout.play(feed, 'live');
    await sleep(40);
    // Nothing of the music after the switch: the next byte the PBX gets is the agent's.
    expect(sink.played.slice(writtenBeforeSwitch)[0]).toBe(AGENT);
    return queuedAtSwitch;
  } finally {
    playout.stop();
  }
}

test('at the normal lead, up to 200 ms of music is queued at the PBX when the agent starts', async () => {
  const queued = await musicBeforeAgent(null);
  expect(queued).toBeGreaterThan(150);
  expect(queued).toBeLessThanOrEqual(220);
});

test('with a short lead while the agent connects, the caller hears at most that much music before the agent', async () => {
  // Audio goes out in 20 ms frames: one frame over the lead at most.
  expect(await musicBeforeAgent(60)).toBeLessThanOrEqual(80);
});

test('the agent plays at the normal lead again, and normalLead() restores it for the music', async () => {
  const sink = recordingSink();
  const ticker = new Ticker();
  const playout = new Playout(sink, 200, undefined, ticker);
  try {
    playout.play(new Loop(Buffer.alloc(320, MUSIC)), 'hold');
    playout.run();
    playout.shortLead(60);
    // What was queued at 200 ms plays out first.
    await sleep(250);
    expect(playout.bufferedMs()).toBeLessThanOrEqual(80);
    playout.normalLead();
    playout.tick();
    expect(playout.bufferedMs()).toBeGreaterThan(150);
    playout.shortLead(60);
    await sleep(250);
    const feed = new LiveFeed();
    feed.push(Buffer.alloc(1_000 * BYTES_PER_MS, AGENT), 0);
    playout.play(feed, 'live');
    expect(playout.bufferedMs()).toBeGreaterThan(150);
  } finally {
    playout.stop();
  }
});

test('heardAt tells when the caller hears a given byte: what is queued lies ahead, what played lies behind', async () => {
  const playout = new Playout(recordingSink(), 200, undefined, new Ticker());
  try {
    const started = performance.now();
    playout.play(new Loop(Buffer.alloc(320, MUSIC)), 'hold');
    playout.run();
    await sleep(300);
    const now = performance.now();
    const written = playout.stats.bytesWritten;
    expect(playout.heardAt(written) - now).toBeCloseTo(playout.bufferedMs(), 0);
    expect(Math.abs(playout.heardAt(0) - started)).toBeLessThan(30);
    expect(playout.heardAt(100 * BYTES_PER_MS)).toBeLessThan(now);
  } finally {
    playout.stop();
  }
});
