import type { CallOutcome, CallStatus } from '../../../src/contracts/call';
import type { SimulatedCall } from '../../../simulators/threecx';
import { VOICES } from './config';
import { sleep, type FaultStack } from './harness';
import { describeHeard, greetedThenAgent } from './heard';

// Whole calls through the fault stack, judged by what the caller heard, the workflow's outcome,
// the agent conversations ElevenLabs held and the call_log row.

export interface DialledCall {
  call: SimulatedCall;
  workflowId: string;
}

export interface ClosedCall {
  id: string;
  status: string;
  outcome: CallOutcome | undefined;
}

/** Waits until every call's workflow is closed; on the deadline, fails naming the open ones and their phase. */
export async function waitForCallsClosed(stack: FaultStack, ids: string[], timeoutMs: number): Promise<Map<string, ClosedCall>> {
  const closed = new Map<string, ClosedCall>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const id of ids) {
      if (closed.has(id)) continue;
      const handle = stack.client.workflow.getHandle(id);
      const status = (await handle.describe().catch(() => undefined))?.status.name;
      if (status && status !== 'RUNNING') {
        const outcome = status === 'COMPLETED' ? ((await handle.result()) as CallOutcome) : undefined;
        closed.set(id, { id, status, outcome });
      }
    }
    if (closed.size === ids.length) return closed;
    if (Date.now() > deadline) {
      const open = ids.filter((id) => !closed.has(id));
      const phases = await Promise.all(open.map(async (id) => `${id}: ${await describePhase(stack, id)}`));
      throw new Error(`${open.length} of ${ids.length} calls still open after ${timeoutMs} ms:\n${phases.join('\n')}\n${stack.logs()}`);
    }
    await sleep(250);
  }
}

async function describePhase(stack: FaultStack, id: string): Promise<string> {
  try {
    const s = await stack.client.workflow.getHandle(id).query<CallStatus>('status');
    return `${s.phase}${s.lastError ? ` (${s.lastError})` : ''}`;
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

/** Agent conversations ElevenLabs held for a call (its workflow id is the conversation's user_id). */
export function conversationsOf(stack: FaultStack, workflowId: string): string[] {
  return [...stack.sandbox.conversations.values()].filter((c) => c.userId === workflowId).map((c) => c.conversationId);
}

export interface CompletedOnceOptions {
  /** The longest silence the caller may hear between the greeting and the agent (default DEFAULT_MAX_DEAD_AIR_MS). */
  maxDeadAirMs?: number;
}

/**
 * What every fault must leave intact, for each call: the workflow closed `completed`; the caller
 * heard the greeting first and once, then the agent in the chosen voice, with no silence longer
 * than `maxDeadAirMs` in between; ElevenLabs held exactly one agent conversation for it (the one
 * the outcome names); the call_log row is final and agrees with the outcome, transcript included.
 * Returns the longest dead air heard, for the report.
 */
export async function expectCallsCompletedOnce(stack: FaultStack, calls: DialledCall[], closed: Map<string, ClosedCall>, options: CompletedOnceOptions = {}): Promise<number> {
  const rows = await stack.db.prisma.callLog.findMany({ where: { callId: { in: calls.map((c) => c.workflowId) } } });
  const byId = new Map(rows.map((r) => [r.callId, r]));
  const problems: string[] = [];
  let worstDeadAir = 0;
  for (const { call, workflowId: id } of calls) {
    const say = (what: string) => problems.push(`${id}: ${what}`);
    const closedCall = closed.get(id);
    const outcome = closedCall?.outcome;
    if (closedCall?.status !== 'COMPLETED' || outcome?.phase !== 'completed') {
      say(`workflow ${closedCall?.status}, phase ${outcome?.phase} (${outcome?.failureReason ?? ''} ${outcome?.lastError ?? ''})`);
      continue;
    }
    const segments = call.heard([VOICES.greeting, outcome.voice.voiceId!]);
    const heard = greetedThenAgent(segments, outcome.voice.voiceId!, options.maxDeadAirMs);
    worstDeadAir = Math.max(worstDeadAir, heard.deadAirMs);
    if (heard.problems.length > 0) say(`${heard.problems.join('; ')} (the gateway measured ${outcome.media.deadAirMs} ms of dead air): ${describeHeard(segments)}`);
    const conversations = conversationsOf(stack, id);
    if (conversations.length !== 1 || conversations[0] !== outcome.conversationId) say(`agent conversations ${JSON.stringify(conversations)}, outcome names ${outcome.conversationId}`);
    const row = byId.get(id);
    if (!row) say('no call_log row');
    else {
      const meta = (row.metadata ?? {}) as Record<string, unknown>;
      if (row.status !== 'completed' || !row.callEndedAt) say(`call_log status ${row.status}, ended ${String(row.callEndedAt)}`);
      if (meta.agent_conversation_id !== outcome.conversationId) say(`call_log agent conversation ${String(meta.agent_conversation_id)}`);
      if (meta.voice_source !== outcome.voice.source) say(`call_log voice source ${String(meta.voice_source)}`);
      if (!row.transcript) say('call_log has no transcript (post-call data lost)');
    }
  }
  if (problems.length > 0) throw new Error(`Invariant violations (this test process stalled up to ${stack.testProcessStallMs()} ms):\n${problems.join('\n')}`);
  return worstDeadAir;
}

/** When (Date.now()) the PBX accepted the first event-socket connection after `since`. */
export function wsConnectedAfter(stack: FaultStack, since: number): number | null {
  return stack.pbx.requests.find((r) => r.path === '/callcontrol/ws' && r.status === 101 && r.at > since)?.at ?? null;
}

/** Names of the signals the workflow received, in order (from its history). */
export async function signalsReceived(stack: FaultStack, workflowId: string): Promise<string[]> {
  const { events } = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
}
