import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ClockSkew } from './clock';
import type { CallRecord } from './collect';
import { summarize, type Summary } from './stats';

// Where the workflow's time goes, from the calls' own histories: how long workflow tasks and each
// activity type waited for a worker (schedule → start; the gateway's steps cross task queues, so
// they are never dispatched eagerly) and ran (start → close), and how long the server took to record
// the start after the route-point Upsert.

const E = temporal.api.enums.v1.EventType;

export interface Breakdown {
  calls: number;
  /** History events of one call workflow: each is persisted by the server; a proxy for its cost. */
  historyEventsPerCall: Summary;
  /** Route-point Upsert (simulator) → WorkflowExecutionStarted recorded by the server. */
  upsertToWorkflowStarted: Summary;
  workflowTask: { scheduleToStart: Summary; startToComplete: Summary };
  activities: Record<string, { scheduleToStart: Summary; startToClose: Summary }>;
  /** connectAgent / routeCall ActivityTaskStarted → the first event it causes outside (conversation start / routeto at the PBX). */
  handoffActivityStartToWire: Summary;
}

type Long = number | { toNumber(): number };
const num = (v: Long | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
const time = (ts: { seconds?: Long | null; nanos?: number | null } | null | undefined): number => (ts ? num(ts.seconds) * 1000 + (ts.nanos ?? 0) / 1e6 : NaN);

interface Samples {
  events: number[];
  upsertToStarted: number[];
  wftSts: number[];
  wftStc: number[];
  activity: Map<string, { sts: number[]; stc: number[] }>;
  handoffToWire: number[];
}

interface HistoryEvent {
  eventId: Long;
  eventTime?: { seconds?: Long | null; nanos?: number | null } | null;
  eventType: temporal.api.enums.v1.EventType;
  workflowTaskStartedEventAttributes?: { scheduledEventId?: Long | null } | null;
  workflowTaskCompletedEventAttributes?: { startedEventId?: Long | null } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: Long | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: Long | null } | null;
  activityTaskFailedEventAttributes?: { scheduledEventId?: Long | null } | null;
}

/** The hand-off's first effect outside Temporal: the conversation at the sandbox (bridge), the routeto at the PBX (SIP). */
function handoffWireAt(call: CallRecord): number | null {
  // Before the greeting's end both modes wait for it on purpose: only later hand-offs show their own cost.
  if (call.voiceReadyBeforeGreetingEnd !== false) return null;
  return call.routeArrivesAt ?? call.conversationStartAt;
}

function addHistory(events: readonly HistoryEvent[], call: CallRecord, clock: ClockSkew, into: Samples): void {
  into.events.push(events.length);
  const scheduled = new Map<number, { at: number; type: string }>();
  const wftScheduled = new Map<number, number>();
  const wftStarted = new Map<number, number>();
  const activityStarted = new Map<number, number>();
  const wireAt = handoffWireAt(call);
  for (const e of events) {
    const id = num(e.eventId);
    // The server's wall clock, onto the records' monotonic one.
    const at = clock.toMonotonic(time(e.eventTime));
    switch (e.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        if (call.upsertAt !== null) into.upsertToStarted.push(at - call.upsertAt);
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wftScheduled.set(id, at);
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const s = wftScheduled.get(num(e.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (s !== undefined) into.wftSts.push(at - s);
        wftStarted.set(id, at);
        break;
      }
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
        const s = wftStarted.get(num(e.workflowTaskCompletedEventAttributes?.startedEventId));
        if (s !== undefined) into.wftStc.push(at - s);
        break;
      }
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduled.set(id, { at, type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown' });
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const sid = num(e.activityTaskStartedEventAttributes?.scheduledEventId);
        const s = scheduled.get(sid);
        if (!s) break;
        activityStarted.set(sid, at);
        let entry = into.activity.get(s.type);
        if (!entry) into.activity.set(s.type, (entry = { sts: [], stc: [] }));
        entry.sts.push(at - s.at);
        if ((s.type === 'connectAgent' || s.type === 'routeCall') && wireAt !== null && wireAt >= at) into.handoffToWire.push(wireAt - at);
        break;
      }
      case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case E.EVENT_TYPE_ACTIVITY_TASK_FAILED: {
        const sid = num((e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes)?.scheduledEventId);
        const s = scheduled.get(sid);
        const started = activityStarted.get(sid);
        if (s && started !== undefined) into.activity.get(s.type)?.stc.push(at - started);
        break;
      }
      default:
        break;
    }
  }
}

/** Reads the histories of up to `limit` closed calls (spread over the run) after the load is over. */
export async function buildBreakdown(client: Client, records: readonly CallRecord[], limit: number, clock: ClockSkew): Promise<Breakdown> {
  const closed = records.filter((r) => r.workflowStatus === 'COMPLETED');
  const step = Math.max(1, Math.ceil(closed.length / limit));
  const chosen = closed.filter((_, i) => i % step === 0).slice(0, limit);
  const samples: Samples = { events: [], upsertToStarted: [], wftSts: [], wftStc: [], activity: new Map(), handoffToWire: [] };
  for (let i = 0; i < chosen.length; i += 8) {
    await Promise.all(
      chosen.slice(i, i + 8).map(async (r) => {
        // A history the busy server will not hand over is left out of the breakdown.
        const history = await client.workflow
          .getHandle(r.workflowId)
          .fetchHistory()
          .catch(() => null);
        if (history) addHistory((history.events ?? []) as HistoryEvent[], r, clock, samples);
      }),
    );
  }
  return {
    calls: chosen.length,
    historyEventsPerCall: summarize(samples.events),
    upsertToWorkflowStarted: summarize(samples.upsertToStarted),
    workflowTask: { scheduleToStart: summarize(samples.wftSts), startToComplete: summarize(samples.wftStc) },
    activities: Object.fromEntries(
      [...samples.activity.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, s]) => [type, { scheduleToStart: summarize(s.sts), startToClose: summarize(s.stc) }]),
    ),
    handoffActivityStartToWire: summarize(samples.handoffToWire),
  };
}
