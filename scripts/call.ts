import { request } from 'undici';
import { loadConfig } from '../src/config';
import { callWorkflowId, type CallStatus } from '../src/contracts/call';
import type { HeardSegment } from '../simulators/audio';

// `npm run call -- [+caller] [--hang-up-after <seconds>]`, next to a running `npm start`: a caller
// dials the simulated PBX; this follows the call's phases (the API's status endpoint, which
// queries the workflow) and prints what the caller heard, second by second.

/** Long enough for greeting, clone, the agent's first message, a question and the answer. */
const DEFAULT_CALL_MS = 22_000;

interface SimCall {
  callid: number;
  participantId: number;
  state: string;
  endReason: string | null;
  heard?: HeardSegment[];
}

const config = loadConfig();
const simulator = `http://127.0.0.1:${config.embedded.threecxPort}`;
const api = `http://127.0.0.1:${config.http.port}`;
const auth: Record<string, string> = config.adminApiToken ? { authorization: `Bearer ${config.adminApiToken}` } : {};

async function json<T>(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await request(url, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.statusCode, body: (await res.body.json().catch(() => null)) as T };
}

function describe(segment: HeardSegment, names: Map<string, string>): string {
  if (segment.label === 'voice') return names.get(segment.voiceId ?? '') ?? `voice ${segment.voiceId}`;
  return segment.label === 'audio' ? 'hold music' : 'silence';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const caller = args.find((a) => a.startsWith('+')) ?? '+4915112345678';
  const hangUpIndex = args.indexOf('--hang-up-after');
  const hangUpAfterMs = hangUpIndex >= 0 ? Number(args[hangUpIndex + 1]) * 1000 : DEFAULT_CALL_MS;
  // The simulated caller says something once the agent is likely there, so it has something to answer.
  const talk = { text: 'Hello, I would like to check the status of my order, please.', afterMs: 9000 };
  const placed = await json<SimCall>('POST', `${simulator}/_sim/calls`, { callerNumber: caller, hangUpAfterMs, talk }).catch(() => null);
  if (!placed || placed.status !== 201) throw new Error(`No 3CX simulator at ${simulator}: is \`npm start\` running (without THREECX_URL)?`);
  const workflowId = callWorkflowId(config.threecx.pbx, String(placed.body.callid));
  console.log(`${caller} dials the DID: 3CX call ${placed.body.callid} on the route point, workflow ${workflowId}`);
  console.log(`Web UI: http://127.0.0.1:${config.temporal.uiPort}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}\n`);

  let phase = '';
  let status: CallStatus | null = null;
  for (;;) {
    const sim = await json<SimCall>('GET', `${simulator}/_sim/calls/${placed.body.participantId}/heard`);
    const current = await json<{ status?: CallStatus }>('GET', `${api}/calls/${encodeURIComponent(workflowId)}`, undefined, auth);
    if (current.body?.status) status = current.body.status;
    if (status && status.phase !== phase) {
      phase = status.phase;
      console.log(`  ${new Date().toISOString().slice(11, 23)}  phase ${phase}${status.voice.source ? ` (voice: ${status.voice.source}${status.voice.fallbackReason ? `, ${status.voice.fallbackReason}` : ''})` : ''}`);
    }
    if (sim.body.state === 'ended' && (!status || ['completed', 'abandoned', 'failed', 'cancelled'].includes(status.phase))) break;
    await new Promise((r) => setTimeout(r, 250));
  }

  const names = new Map([[config.greeting.voiceId, 'greeting voice']]);
  if (status?.voice.voiceId) names.set(status.voice.voiceId, `agent (${status.voice.source} voice)`);
  const heard = await json<SimCall>('GET', `${simulator}/_sim/calls/${placed.body.participantId}/heard?voices=${[...names.keys()].join(',')}`);
  console.log('\nWhat the caller heard:');
  for (const segment of heard.body.heard ?? []) {
    const from = (segment.startMs / 1000).toFixed(1).padStart(6);
    const to = (segment.endMs / 1000).toFixed(1).padStart(6);
    console.log(`  ${from}s – ${to}s  ${describe(segment, names)}`);
  }
  console.log(`\nCall ${status?.phase ?? 'unknown'}; the call's status: ${api}/calls/${encodeURIComponent(workflowId)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
