import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { CallRecord, CallRequests } from './collect';
import { summarize, type Summary } from './stats';

// Where the time goes, from the calls' own histories: how long workflow tasks and each activity
// type waited for the worker (schedule → start) and ran (start → close), how long the server took
// to record the start, and how long the agent-call activities ran before their POST left.

const E = temporal.api.enums.v1.EventType;

export interface Breakdown {
  calls: number;
  /** History events of one call workflow: each is persisted by the server; a proxy for its cost. */
  historyEventsPerCall: Summary;
  /** API receive (steps.received) → WorkflowExecutionStarted recorded by the server. */
  apiReceivedToWorkflowStarted: Summary;
  workflowTask: { scheduleToStart: Summary; startToComplete: Summary };
  activities: Record<string, { scheduleToStart: Summary; startToClose: Summary }>;
  /** ActivityTaskStarted → the outbound-call request at the sandbox: the activity's own work before the POST is on the wire. */
  greetingActivityStartToRequest: Summary;
  agentActivityStartToRequest: Summary;
}

type Long = number | { toNumber(): number };
const num = (v: Long | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
const time = (ts: { seconds?: Long | null; nanos?: number | null } | null | undefined): number => (ts ? num(ts.seconds) * 1000 + (ts.nanos ?? 0) / 1e6 : NaN);

interface Samples {
  events: number[];
  apiToStarted: number[];
  wftSts: number[];
  wftStc: number[];
  activity: Map<string, { sts: number[]; stc: number[] }>;
  greetingToRequest: number[];
  agentToRequest: number[];
}

function addHistory(events: readonly unknown[], receivedAt: number | null, requests: CallRequests | undefined, into: Samples): void {
  into.events.push(events.length);
  const scheduled = new Map<number, { at: number; type: string }>();
  const wftScheduled = new Map<number, number>();
  const wftStarted = new Map<number, number>();
  const activityStarted = new Map<number, number>();
  for (const raw of events) {
    const e = raw as {
      eventId: Long;
      eventTime?: { seconds?: Long | null; nanos?: number | null } | null;
      eventType: temporal.api.enums.v1.EventType;
      workflowTaskStartedEventAttributes?: { scheduledEventId?: Long | null } | null;
      workflowTaskCompletedEventAttributes?: { scheduledEventId?: Long | null; startedEventId?: Long | null } | null;
      activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
      activityTaskStartedEventAttributes?: { scheduledEventId?: Long | null } | null;
      activityTaskCompletedEventAttributes?: { scheduledEventId?: Long | null } | null;
      activityTaskFailedEventAttributes?: { scheduledEventId?: Long | null } | null;
    };
    const id = num(e.eventId);
    const at = time(e.eventTime);
    switch (e.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        if (receivedAt !== null) into.apiToStarted.push(at - receivedAt);
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
        if (s.type === 'playGreeting' && requests?.greeting[0] !== undefined) into.greetingToRequest.push(requests.greeting[0] - at);
        if (s.type === 'transferToAgent' && requests?.agent[0] !== undefined) into.agentToRequest.push(requests.agent[0] - at);
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
export async function buildBreakdown(client: Client, records: CallRecord[], sandboxCalls: Map<string, CallRequests>, limit: number): Promise<Breakdown> {
  const closed = records.filter((r) => r.workflowStatus === 'COMPLETED');
  const step = Math.max(1, Math.ceil(closed.length / limit));
  const chosen = closed.filter((_, i) => i % step === 0).slice(0, limit);
  const samples: Samples = { events: [], apiToStarted: [], wftSts: [], wftStc: [], activity: new Map(), greetingToRequest: [], agentToRequest: [] };
  for (let i = 0; i < chosen.length; i += 8) {
    await Promise.all(
      chosen.slice(i, i + 8).map(async (r) => {
        // A history the busy server will not hand over is left out of the breakdown.
        const history = await client.workflow
          .getHandle(r.callId)
          .fetchHistory()
          .catch(() => null);
        if (history) addHistory(history.events ?? [], r.apiReceivedAt, sandboxCalls.get(r.callId), samples);
      }),
    );
  }
  return {
    calls: chosen.length,
    historyEventsPerCall: summarize(samples.events),
    apiReceivedToWorkflowStarted: summarize(samples.apiToStarted),
    workflowTask: { scheduleToStart: summarize(samples.wftSts), startToComplete: summarize(samples.wftStc) },
    activities: Object.fromEntries(
      [...samples.activity.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, s]) => [type, { scheduleToStart: summarize(s.sts), startToClose: summarize(s.stc) }]),
    ),
    greetingActivityStartToRequest: summarize(samples.greetingToRequest),
    agentActivityStartToRequest: summarize(samples.agentToRequest),
  };
}
