import type { SandboxRequestRecord, WebhookDeliveryRecord } from '../../simulators/elevenlabs';
import type { CallRecord } from './collect';

export interface BenchCounts {
  placed: number;
  /** By the workflow's final phase. */
  completed: number;
  failed: number;
  abandoned: number;
  otherPhases: Record<string, number>;
  failedByReason: Record<string, number>;
  /** The caller dialled, but no workflow exists, or it had not closed by the deadline. Must be 0. */
  lost: number;
  /** The server would not tell (describe/result kept failing). */
  unverified: number;
  /** More than one agent conversation for one call. Must be 0. */
  duplicated: number;
  /** More than one POST stream to one participant (the greeting or the stream restarted). */
  playbackReopened: number;
  /** Ended any other way than the agent ending its conversation (or never reached the agent). */
  dropped: number;
  droppedByReason: Record<string, number>;
  /** The caller's first audio was not the greeting (music first: the greeting was not rendered). */
  greetingNotFirst: number;
  /** An agent conversation took the call but the caller never heard its voice. */
  agentNotHeard: number;
  voiceSources: Record<string, number>;
  fallbacksByReason: Record<string, number>;
  /** Agent turns the caller talked over (excluded from the jitter figures from there on). */
  interruptedTurns: number;
  cloneRequests: number;
  callersClonedMoreThanOnce: number;
  /** Callers with two clone requests in flight at once: single flight broken. Must be 0. */
  concurrentClonesForOneCaller: number;
  postCallWebhooks: { delivered: number; failedAttempts: number };
}

function tally(values: (string | null | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) if (v) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function overlapping(requests: { start: number; end: number }[]): boolean {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  return sorted.some((r, i) => i > 0 && r.start < sorted[i - 1]!.end);
}

/** Clone requests at the sandbox by voice name (one name per caller). */
function clonesByName(requests: readonly SandboxRequestRecord[]): Map<string, { start: number; end: number }[]> {
  const out = new Map<string, { start: number; end: number }[]>();
  for (const r of requests) {
    if (r.endpoint !== 'voices.add') continue;
    const name = r.multipart?.fields.name?.[0] ?? '(unnamed)';
    const list = out.get(name) ?? [];
    list.push({ start: r.receivedAt, end: r.respondedAt ?? r.closedAt ?? Number.POSITIVE_INFINITY });
    out.set(name, list);
  }
  return out;
}

export function buildCounts(calls: readonly CallRecord[], requests: readonly SandboxRequestRecord[], deliveries: readonly WebhookDeliveryRecord[]): BenchCounts {
  const closed = calls.filter((c) => c.phase !== null);
  const clones = clonesByName(requests);
  const phases = tally(closed.map((c) => c.phase));
  const { completed = 0, failed = 0, abandoned = 0, ...otherPhases } = phases;
  const dropped = calls.filter((c) => c.dropped);
  return {
    placed: calls.length,
    completed,
    failed,
    abandoned,
    otherPhases,
    failedByReason: tally(closed.filter((c) => c.phase !== 'completed').map((c) => c.failureReason ?? c.phase)),
    lost: calls.filter((c) => c.workflowStatus === 'NOT_FOUND' || c.workflowStatus === 'RUNNING').length,
    unverified: calls.filter((c) => c.workflowStatus === 'UNVERIFIED').length,
    duplicated: calls.filter((c) => c.conversations > 1).length,
    playbackReopened: calls.filter((c) => c.postStreams > 1).length,
    dropped: dropped.length,
    droppedByReason: tally(dropped.map((c) => (c.phase !== 'completed' ? `phase ${c.phase ?? c.workflowStatus}` : (c.terminationReason ?? 'no conversation')))),
    greetingNotFirst: calls.filter((c) => !c.greetingFirst).length,
    agentNotHeard: calls.filter((c) => c.conversationId !== null && c.agentHeardAt === null).length,
    voiceSources: tally(closed.map((c) => c.voiceSource)),
    fallbacksByReason: tally(closed.map((c) => c.fallbackReason)),
    interruptedTurns: calls.reduce((a, c) => a + c.interruptedTurns, 0),
    cloneRequests: [...clones.values()].reduce((a, b) => a + b.length, 0),
    callersClonedMoreThanOnce: [...clones.values()].filter((r) => r.length > 1).length,
    concurrentClonesForOneCaller: [...clones.values()].filter(overlapping).length,
    postCallWebhooks: { delivered: deliveries.filter((d) => d.delivered).length, failedAttempts: deliveries.filter((d) => !d.delivered).length },
  };
}
