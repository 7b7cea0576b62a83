import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { subscribeToCloneSignal, unsubscribeFromCloneSignal } from '../contracts/messages';
import { voiceCloneWorkflowId, type VoiceCloneInput } from '../contracts/voice-clone';
import type { voiceCloneWorkflow } from '../workflows/voice-clone';

export interface CloneJobDeps {
  temporal: Client;
  taskQueue: string;
}

export function cloneJobActivities({ temporal, taskQueue }: CloneJobDeps) {
  return {
    /**
     * Joins the caller's clone job, starting it if none runs: signal-with-start on the id
     * `clone-<callerE164>` makes concurrent calls from one caller share a single job (one
     * ElevenLabs clone request); the job signals its result to every subscribed call.
     */
    async subscribeToVoiceClone({ input, callWorkflowId }: { input: VoiceCloneInput; callWorkflowId: string }): Promise<{ cloneWorkflowId: string }> {
      const workflowId = voiceCloneWorkflowId(input.callerId);
      await temporal.workflow.signalWithStart<typeof voiceCloneWorkflow, [{ callWorkflowId: string }]>('voiceCloneWorkflow', {
        workflowId,
        taskQueue,
        args: [input],
        signal: subscribeToCloneSignal,
        signalArgs: [{ callWorkflowId }],
        staticSummary: `Voice clone for ${input.callerId.slice(0, 4)}…${input.callerId.slice(-2)}`,
      });
      return { cloneWorkflowId: workflowId };
    },

    /** Leaves the clone job (call cancelled or ended); the job still finishes and fills the cache. */
    async releaseVoiceClone({ callerId, callWorkflowId }: { callerId: string; callWorkflowId: string }): Promise<void> {
      try {
        await temporal.workflow.getHandle(voiceCloneWorkflowId(callerId)).signal(unsubscribeFromCloneSignal, { callWorkflowId });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
  };
}
