import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { CallOutcome, CallPhase, CallStatus } from '../../src/contracts/call';
import { longestSilenceMs, type HeardSegment } from '../../simulators/audio';
import type { SimulatedCall } from '../../simulators/threecx';
import { makeWav } from '../../scripts/sine-wav';
import type { TestStack } from './stack';

// What a caller on the simulated PBX heard, and helpers to drive whole calls through the stack.

export function uniqueCaller(): string {
  return `+49151${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

export async function eventually<T>(fn: () => Promise<T> | T, accept: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gateway starts a call's workflow as the call reaches the route point: wait for it, then for its end. */
export async function callResult(stack: TestStack, workflowId: string): Promise<CallOutcome> {
  const handle = stack.env.client.workflow.getHandle(workflowId);
  await eventually(
    () => handle.describe().then(() => true, () => false),
    (known) => known,
    10_000,
  );
  return handle.result() as Promise<CallOutcome>;
}

export function callStatus(stack: TestStack, workflowId: string): Promise<CallStatus> {
  return stack.env.client.workflow.getHandle(workflowId).query<CallStatus>('status');
}

/** Waits until the call's workflow reports `phase` (it may not exist yet: the gateway starts it). */
export async function reachPhase(stack: TestStack, workflowId: string, phase: CallPhase, timeoutMs = 15_000): Promise<CallStatus> {
  const status = await eventually(
    () => callStatus(stack, workflowId).catch(() => null),
    (s) => s?.phase === phase,
    timeoutMs,
  );
  if (status?.phase !== phase) throw new Error(`call ${workflowId} never reached ${phase} (last: ${status?.phase ?? 'no workflow'})`);
  return status;
}

/** A clone that exists at the (sandbox) ElevenLabs, cached for the caller as a previous call would have. */
export async function cacheCloneFor(stack: TestStack, callerE164: string): Promise<string> {
  const { voiceId } = await stack.elevenlabs.createVoiceClone({ name: `cached ${callerE164.slice(-4)}`, samples: [{ data: makeWav(3), fileName: 'sample.wav', contentType: 'audio/wav' }] });
  await stack.db.prisma.voiceCloneCache.create({ data: { callerId: callerE164, clonedVoiceId: voiceId, ttlExpiresAt: new Date(Date.now() + 3_600_000) } });
  return voiceId;
}

/** Segments of what the caller heard, told apart by voice: greeting, each candidate voice, music ('audio'), silence. */
export function heard(call: SimulatedCall, voices: string[]): HeardSegment[] {
  return call.heard(voices);
}

/** A readable timeline for failure messages: `0-1840 voice:greeting | 1840-5200 audio | …`. */
export function describeHeard(segments: HeardSegment[]): string {
  return segments.map((s) => `${s.startMs}-${s.endMs} ${s.label === 'voice' ? `voice:${s.voiceId}` : s.label}`).join(' | ');
}

/** The first time (ms from the call's start) the caller heard `voiceId`, or null. */
export function firstHeard(segments: HeardSegment[], voiceId: string): number | null {
  return segments.find((s) => s.label === 'voice' && s.voiceId === voiceId)?.startMs ?? null;
}

/** The longest silence between the first audio the caller heard and `untilMs`. */
export function deadAir(segments: HeardSegment[], untilMs: number): number {
  const first = segments.find((s) => s.label !== 'silence');
  return first ? longestSilenceMs(segments, first.startMs, untilMs) : Infinity;
}

/** The first time (ms from the call's start) the caller heard anything but silence after `fromMs`. */
export function nextSound(segments: HeardSegment[], fromMs: number): number | null {
  return segments.find((s) => s.label !== 'silence' && s.endMs > fromMs)?.startMs ?? null;
}

/** When (ms from the call's start) the caller last heard `voiceId`, or null. */
export function lastHeard(segments: HeardSegment[], voiceId: string): number | null {
  return segments.filter((s) => s.label === 'voice' && s.voiceId === voiceId).at(-1)?.endMs ?? null;
}

/** The caller heard the greeting, then the agent in `agentVoice`, with under 200 ms of dead air before it. */
export function expectAgentAfterGreeting(stack: TestStack, call: SimulatedCall, agentVoice: string): void {
  const greetingVoice = stack.config.greeting.voiceId;
  const segments = heard(call, [greetingVoice, agentVoice]);
  const agentAt = firstHeard(segments, agentVoice);
  expect({ agentAt, timeline: describeHeard(segments) }).toEqual({ agentAt: expect.any(Number), timeline: describeHeard(segments) });
  expect(agentAt!).toBeGreaterThan(firstHeard(segments, greetingVoice)!);
  // No gap longer than 200 ms (issue 11).
  expect(deadAir(segments, agentAt!)).toBeLessThanOrEqual(200);
}

export const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

/** Set RECORD_HISTORIES=1 to (re)write the replay fixture `<name>.json` from a test run. */
export async function maybeRecordHistory(stack: TestStack, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const handle = stack.env.client.workflow.getHandle(workflowId);
  // A closed workflow's whole history (a cancelled one rejects here, and is closed too).
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  // The same JSON as `temporal workflow show --output json` and the Web UI download.
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
