import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import type { PrismaClient } from '../../src/db/prisma';
import { signThreeCxBody } from '../../src/integrations/threecx/signature';
import type { BenchOptions } from './options';
import { makeWav } from '../sine-wav';
import { nowMs } from './stats';

/**
 * What a caller is, decided when the caller is first drawn:
 * - cached:   external number with a sample and a live cache row → voice from the cache
 * - sample:   external number with a sample, nothing cached → clone (concurrent calls share the job;
 *             later calls hit the cache the clone filled)
 * - nosample: external number without a sample → default voice, fallback `no_sample`
 * - internal: 3CX extension → default voice, fallback `internal_caller`, no clone job
 */
export type CallerKind = 'cached' | 'sample' | 'nosample' | 'internal';

export interface PlannedCaller {
  raw: string;
  e164: string | null;
  kind: CallerKind;
}

export interface PlannedCall {
  index: number;
  threecxCallId: string;
  /** Our call id = workflow id. */
  callId: string;
  caller: PlannedCaller;
  /** The caller already called earlier in this run. */
  repeat: boolean;
  /** When to send, from the start of the run. */
  offsetMs: number;
}

export interface CallPlan {
  pbx: string;
  calls: PlannedCall[];
  callers: PlannedCaller[];
}

/** mulberry32: small, seedable, good enough to draw a caller mix reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function planCalls(options: BenchOptions, pbx: string): CallPlan {
  const random = prng(options.seed);
  // Numbers differ between runs so an attached database's cache never answers for this run.
  const numberBase = randomInt(0, 80_000_000);
  const callers: PlannedCaller[] = [];
  const calls: PlannedCall[] = [];
  let internal = 0;
  for (let index = 0; index < options.calls; index++) {
    let caller: PlannedCaller;
    const repeat = callers.length > 0 && random() < options.repeatShare;
    if (repeat) {
      caller = callers[Math.floor(random() * callers.length)]!;
    } else {
      if (random() < options.internalShare) {
        const ext = String(100 + (internal++ % 900));
        caller = { raw: ext, e164: null, kind: 'internal' };
      } else {
        const e164 = `+49151${String(numberBase + callers.length).padStart(8, '0')}`;
        const kind: CallerKind = random() < options.sampleShare ? (random() < options.cachedShare ? 'cached' : 'sample') : 'nosample';
        caller = { raw: e164, e164, kind };
      }
      callers.push(caller);
    }
    const threecxCallId = String(index + 1);
    calls.push({
      index,
      threecxCallId,
      callId: `call-${pbx}-${threecxCallId}`,
      caller,
      repeat,
      offsetMs: options.mode === 'burst' ? 0 : (index * 1000) / options.rate,
    });
  }
  return { pbx, calls, callers };
}


export const SAMPLE_FILE = 'bench-sample.wav';

/** caller_voice_mapping rows (one shared WAV file) and, for `cached` callers, live cache rows. */
export async function registerCallers(prisma: PrismaClient, samplesDir: string, callers: PlannedCaller[], cacheTtlSeconds: number): Promise<void> {
  writeFileSync(path.join(samplesDir, SAMPLE_FILE), makeWav(4));
  const withSample = callers.filter((c) => c.e164 && (c.kind === 'sample' || c.kind === 'cached'));
  if (withSample.length > 0) {
    await prisma.callerVoiceMapping.createMany({
      data: withSample.map((c) => ({ callerId: c.e164!, voiceSampleUrl: SAMPLE_FILE, voiceName: `Bench ${c.e164!}` })),
    });
  }
  const cached = callers.filter((c) => c.kind === 'cached');
  if (cached.length > 0) {
    const now = new Date();
    await prisma.voiceCloneCache.createMany({
      data: cached.map((c, i) => ({
        callerId: c.e164!,
        clonedVoiceId: `benchwarm${String(i).padStart(11, '0')}`,
        cloneCreatedAt: now,
        ttlExpiresAt: new Date(now.getTime() + cacheTtlSeconds * 1000),
      })),
    });
  }
}

export interface SentCall {
  call: PlannedCall;
  sentAt: number;
  ackAt: number | null;
  status: number | null;
  duplicate: boolean | null;
  error: string | null;
}

export interface Sender {
  send: (call: PlannedCall) => Promise<SentCall>;
  close: () => Promise<void>;
}

/** Posts signed `IncomingCall` webhooks like 3CX; body and signature are built before the clock starts. */
export function createSender(apiUrl: string, secret: string, pbx: string): Sender {
  const agent = new Agent({ connections: 1024, keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });
  const url = `${apiUrl}/webhook/3cx`;
  return {
    send: async (call) => {
      const body = JSON.stringify({
        event_type: 'IncomingCall',
        call_id: call.threecxCallId,
        caller_id: call.caller.raw,
        called_number: '+4930123456',
        timestamp: new Date().toISOString(),
        direction: 'In',
        pbx,
      });
      const headers = { 'content-type': 'application/json', 'x-3cx-signature': signThreeCxBody(body, secret) };
      const sentAt = nowMs();
      try {
        const res = await request(url, { method: 'POST', headers, body, dispatcher: agent, headersTimeout: 30_000, bodyTimeout: 30_000 });
        const text = await res.body.text();
        const ackAt = nowMs();
        let duplicate: boolean | null = null;
        try {
          const json = JSON.parse(text) as { duplicate?: unknown };
          duplicate = typeof json.duplicate === 'boolean' ? json.duplicate : null;
        } catch {
          // non-JSON error bodies: the status says enough
        }
        return { call, sentAt, ackAt, status: res.statusCode, duplicate, error: null };
      } catch (err) {
        return { call, sentAt, ackAt: null, status: null, duplicate: null, error: err instanceof Error ? err.message : String(err) };
      }
    },
    close: () => agent.close(),
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Sends every planned call at its offset (burst: all in one tick); stops early at the deadline or on abort. */
export async function drive(plan: CallPlan, sender: Sender, deadline: number, signal?: AbortSignal): Promise<SentCall[]> {
  const started = nowMs() + 20;
  const inFlight: Promise<SentCall>[] = [];
  for (const call of plan.calls) {
    const wait = started + call.offsetMs - nowMs();
    if (wait > 1) await sleep(wait, signal);
    if (signal?.aborted || Date.now() >= deadline) break;
    inFlight.push(sender.send(call));
  }
  return Promise.all(inFlight);
}

export { sleep };
