import { Readable } from 'node:stream';
import { Pool, request } from 'undici';
import WebSocket from 'ws';
import { synthesizeSpeech } from '../../simulators/audio';
import { startThreeCxSimulator, type SimulatedCall } from '../../simulators/threecx';
import { firstAudioMs } from './heard';
import { summarize, type Summary } from './stats';

// The floor of the greeting figure: the same simulator, on its own, answered by the most trivial
// app possible — on each Upsert it POSTs 20 ms of audio to the participant's stream at once (or
// after GETting the participant, as the gateway does). What remains is the simulator's own
// WebSocket → HTTP → playout → ear path on this machine.

export interface EarFloor {
  /** Route-point Upsert → first byte at the caller's ear, the app writing at once. */
  upsertToEar: Summary;
  /** The same with a GET of the participant before the POST (the gateway's order). */
  upsertGetToEar: Summary;
  /** The POST stream's arrival at the simulator → the first byte at the ear. */
  postToEar: Summary;
}

const CHUNK = synthesizeSpeech('bench-floor', 'floor').subarray(0, 20 * 16);

async function mintToken(pool: Pool, base: string, clientId: string, clientSecret: string): Promise<string> {
  const body = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' }).toString();
  const res = await request(`${base}/connect/token`, { dispatcher: pool, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return ((await res.body.json()) as { access_token: string }).access_token;
}

async function answer(pool: Pool, base: string, token: string, entity: string, getFirst: boolean): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  if (getFirst) await (await request(`${base}${entity}`, { dispatcher: pool, headers })).body.text();
  const res = await request(`${base}${entity}/stream`, {
    dispatcher: pool,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: Readable.from([CHUNK]),
  });
  await res.body.text();
}

/** `samples` sequential calls per variant on a fresh simulator; nothing else shares it. */
export async function measureEarFloor(samples: number): Promise<EarFloor> {
  const pbx = await startThreeCxSimulator({ host: '127.0.0.1', port: 0 });
  const pool = new Pool(pbx.url, { keepAliveTimeout: 30_000 });
  const token = await mintToken(pool, pbx.url, pbx.clientId, pbx.clientSecret);
  const ws = new WebSocket(pbx.wsUrl, { headers: { authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let getFirst = false;
  ws.on('message', (data: Buffer) => {
    const { event } = JSON.parse(data.toString()) as { event: { event_type: number; entity: string } };
    if (event.event_type === 0) void answer(pool, pbx.url, token, event.entity, getFirst).catch(() => undefined);
  });
  const upsertToEar: number[] = [];
  const upsertGetToEar: number[] = [];
  const postToEar: number[] = [];
  const one = async (into: number[] | null): Promise<void> => {
    const call: SimulatedCall = pbx.placeCall({ callerNumber: '+4915100000000' });
    const upsertAt = pbx.events.at(-1)!.at;
    const deadline = Date.now() + 2_000;
    let heardAt: number | null = null;
    while (heardAt === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const offset = firstAudioMs(call.heardPcm());
      if (offset !== null) heardAt = call.startedAt + offset;
    }
    const post = pbx.requests.find((r) => r.method === 'POST' && r.path.endsWith(`/participants/${call.participantId}/stream`));
    call.hangUp();
    if (heardAt === null || into === null) return;
    into.push(heardAt - upsertAt);
    if (post) postToEar.push(heardAt - post.at);
  };
  try {
    for (let i = 0; i < samples + 3; i++) await one(i < 3 ? null : upsertToEar);
    getFirst = true;
    for (let i = 0; i < samples; i++) await one(upsertGetToEar);
  } finally {
    ws.terminate();
    await pool.close();
    await pbx.close();
  }
  return { upsertToEar: summarize(upsertToEar), upsertGetToEar: summarize(upsertGetToEar), postToEar: summarize(postToEar) };
}
