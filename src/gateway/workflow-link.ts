import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCallWorkflow, type StartedCall } from '../calls/start-call';
import type { Config } from '../config';
import type { CallEndedEvent } from '../contracts/call';
import { callWorkflowId } from '../contracts/call';
import type { AgentDisconnectedEvent, MediaRestartedEvent } from '../contracts/gateway';
import { agentDisconnectedSignal, callEndedSignal, mediaRestartedSignal } from '../contracts/messages';
import type { CallParticipant } from '../integrations/threecx/call-control';
import type { Logger } from '../logger';

const SIGNAL_ATTEMPTS = 5;

/** What the gateway tells Temporal: new calls (start, idempotent) and events of running calls (signals). */
export class WorkflowLink {
  constructor(
    private readonly temporal: Client,
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  workflowIdOf(participant: CallParticipant): string {
    return callWorkflowId(this.config.threecx.pbx, String(participant.callid));
  }

  /** Starts the call's workflow, or finds it started (another event source, an earlier run of this gateway). */
  startCall(participantId: number, participant: CallParticipant, seenAt: Date): Promise<StartedCall> {
    return startCallWorkflow(this.temporal, this.config, {
      pbx: this.config.threecx.pbx,
      threecxCallId: String(participant.callid),
      callerRaw: participant.party_caller_id ?? '',
      callerName: participant.party_caller_name ?? null,
      calledNumber: participant.party_did ?? '',
      source: 'route_point',
      participantId,
      occurredAt: seenAt,
      receivedAt: seenAt,
    });
  }

  /**
   * Whether the call already has a workflow, and whether it still runs: a gateway restarting
   * mid-call must not greet again, and a call whose workflow has closed has nothing left to wait for.
   */
  async callState(participant: CallParticipant): Promise<'running' | 'closed' | 'unknown'> {
    try {
      const { status } = await this.temporal.workflow.getHandle(this.workflowIdOf(participant)).describe();
      return status.name === 'RUNNING' ? 'running' : 'closed';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'unknown';
      throw err;
    }
  }

  callEnded(workflowId: string, event: CallEndedEvent): Promise<void> {
    return this.signal(workflowId, (h) => h.signal(callEndedSignal, event), 'callEnded');
  }

  agentDisconnected(workflowId: string, event: AgentDisconnectedEvent): Promise<void> {
    return this.signal(workflowId, (h) => h.signal(agentDisconnectedSignal, event), 'agentDisconnected');
  }

  mediaRestarted(workflowId: string, event: MediaRestartedEvent): Promise<void> {
    return this.signal(workflowId, (h) => h.signal(mediaRestartedSignal, event), 'mediaRestarted');
  }

  /** Signals are facts the workflow must learn: retried a few times; a closed workflow needs none. */
  private async signal(workflowId: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>, name: string): Promise<void> {
    const handle = this.temporal.workflow.getHandle(workflowId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(handle);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return;
        if (attempt >= SIGNAL_ATTEMPTS) {
          this.log.error({ err, workflowId, signal: name }, 'could not signal the call workflow');
          return;
        }
        await sleep(200 * 2 ** attempt);
      }
    }
  }
}
