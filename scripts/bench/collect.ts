import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CallOutcome } from '../../src/contracts/call';
import type { SandboxRequestRecord } from '../../simulators/elevenlabs';
import { sleep, type SentCall } from './load';

/** Outbound-call requests the sandbox saw for one of our calls, by step, in arrival order. */
export interface CallRequests {
  greeting: number[];
  agent: number[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One clone request at the sandbox: from arrival to answer (or to the client giving up). */
export interface CloneRequest {
  start: number;
  end: number;
}

/** Indexes the sandbox log: outbound calls by our call id (user_id) and step, clone requests by voice name (one per caller). */
export function indexSandboxLog(requests: readonly SandboxRequestRecord[]): { calls: Map<string, CallRequests>; clonesByName: Map<string, CloneRequest[]> } {
  const calls = new Map<string, CallRequests>();
  const clonesByName = new Map<string, CloneRequest[]>();
  for (const r of requests) {
    if (r.endpoint === 'voices.add') {
      const name = r.multipart?.fields.name?.[0] ?? '(unnamed)';
      const list = clonesByName.get(name) ?? [];
      list.push({ start: r.receivedAt, end: r.respondedAt ?? r.closedAt ?? Number.POSITIVE_INFINITY });
      clonesByName.set(name, list);
      continue;
    }
    if (r.endpoint !== 'outboundCall' || !isRecord(r.json)) continue;
    const data = r.json.conversation_initiation_client_data;
    if (!isRecord(data) || typeof data.user_id !== 'string') continue;
    const step = isRecord(data.dynamic_variables) ? data.dynamic_variables.call_step : undefined;
    if (step !== 'greeting' && step !== 'agent') continue;
    let entry = calls.get(data.user_id);
    if (!entry) calls.set(data.user_id, (entry = { greeting: [], agent: [] }));
    entry[step].push(r.receivedAt);
  }
  return { calls, clonesByName };
}

/**
 * Waits until no call workflow of the run's task queue is running (one visibility count per
 * second), or the deadline. Falls back to describing the calls if the server cannot count.
 */
export async function waitForCalls(client: Client, taskQueue: string, callIds: string[], deadline: number, signal?: AbortSignal, onProgress?: (running: number) => void): Promise<void> {
  const query = `TaskQueue = '${taskQueue}' AND WorkflowType = 'callWorkflow' AND ExecutionStatus = 'Running'`;
  let useCount = true;
  let pending = [...callIds];
  let lastReport = 0;
  while (Date.now() < deadline && !signal?.aborted) {
    let running: number;
    if (useCount) {
      try {
        running = (await client.workflow.count(query)).count;
      } catch {
        useCount = false;
        continue;
      }
    } else {
      const still: string[] = [];
      for (let i = 0; i < pending.length; i += 16) {
        const batch = pending.slice(i, i + 16);
        const states = await Promise.all(
          batch.map((id) =>
            client.workflow
              .getHandle(id)
              .describe()
              .then((d) => d.status.name === 'RUNNING')
              .catch(() => false),
          ),
        );
        batch.forEach((id, j) => states[j] && still.push(id));
      }
      pending = still;
      running = still.length;
    }
    if (onProgress && Date.now() - lastReport > 5_000) {
      onProgress(running);
      lastReport = Date.now();
    }
    if (running === 0) return;
    await sleep(useCount ? 1_000 : 2_000, signal);
  }
}

export interface CallRecord {
  callId: string;
  callerKind: string;
  repeat: boolean;
  httpStatus: number | null;
  duplicateAck: boolean | null;
  sendError: string | null;
  /** Epoch ms (sub-ms), this machine's clock. */
  sentAt: number;
  /** steps.received: when the API took the webhook (ms resolution). */
  apiReceivedAt: number | null;
  ackMs: number | null;
  /** RUNNING / COMPLETED / FAILED / … or NOT_FOUND, or UNVERIFIED when the server could not tell. */
  workflowStatus: string | null;
  phase: string | null;
  failureReason: string | null;
  lastError: string | null;
  voiceSource: string | null;
  fallbackReason: string | null;
  greetingRequests: number;
  agentRequests: number;
  webhookToGreetingMs: number | null;
  receivedToGreetingMs: number | null;
  voiceReadyToAgentMs: number | null;
  endToEndMs: number | null;
}

async function mapBounded<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

const errorText = (err: unknown): string => {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
};

/** A busy server may answer a read with an error: three tries, a second apart. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || attempt >= 3) throw err;
      await sleep(1_000);
    }
  }
}

const ms = (iso: string | undefined): number | null => (iso ? Date.parse(iso) : null);
const diff = (later: number | null | undefined, earlier: number | null | undefined): number | null =>
  later === null || later === undefined || earlier === null || earlier === undefined ? null : Math.round((later - earlier) * 10) / 10;

/** Each sent call's fate: Temporal's description and result, and what the sandbox saw. */
export async function collectCalls(client: Client, sent: SentCall[], sandboxCalls: Map<string, CallRequests>): Promise<CallRecord[]> {
  return mapBounded(sent, 16, async (s) => {
    const requests = sandboxCalls.get(s.call.callId) ?? { greeting: [], agent: [] };
    const record: CallRecord = {
      callId: s.call.callId,
      callerKind: s.call.caller.kind,
      repeat: s.call.repeat,
      httpStatus: s.status,
      duplicateAck: s.duplicate,
      sendError: s.error,
      sentAt: Math.round(s.sentAt * 10) / 10,
      apiReceivedAt: null,
      ackMs: diff(s.ackAt, s.sentAt),
      workflowStatus: null,
      phase: null,
      failureReason: null,
      lastError: null,
      voiceSource: null,
      fallbackReason: null,
      greetingRequests: requests.greeting.length,
      agentRequests: requests.agent.length,
      webhookToGreetingMs: diff(requests.greeting[0], s.sentAt),
      receivedToGreetingMs: null,
      voiceReadyToAgentMs: null,
      endToEndMs: null,
    };
    if (s.status === null || s.status < 200 || s.status >= 300) return record;
    const handle = client.workflow.getHandle(s.call.callId);
    try {
      const description = await withRetries(() => handle.describe());
      record.workflowStatus = description.status.name;
      if (description.closeTime) record.endToEndMs = diff(description.closeTime.getTime(), s.sentAt);
    } catch (err) {
      record.workflowStatus = err instanceof WorkflowNotFoundError ? 'NOT_FOUND' : 'UNVERIFIED';
      if (!(err instanceof WorkflowNotFoundError)) record.lastError = `describe failed: ${errorText(err)}`;
      return record;
    }
    if (record.workflowStatus !== 'COMPLETED') return record;
    let outcome: CallOutcome;
    try {
      outcome = (await withRetries(() => handle.result())) as CallOutcome;
    } catch (err) {
      record.workflowStatus = 'UNVERIFIED';
      record.lastError = `result failed: ${errorText(err)}`;
      return record;
    }
    record.phase = outcome.phase;
    record.failureReason = outcome.failureReason;
    record.lastError = outcome.lastError;
    record.voiceSource = outcome.voice.source;
    record.fallbackReason = outcome.voice.fallbackReason;
    record.apiReceivedAt = ms(outcome.steps.received);
    record.receivedToGreetingMs = diff(requests.greeting[0], record.apiReceivedAt);
    record.voiceReadyToAgentMs = diff(requests.agent[0], ms(outcome.steps.voiceReady));
    return record;
  });
}
