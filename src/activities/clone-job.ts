import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { subscribeToCloneSignal, unsubscribeFromCloneSignal } from '../contracts/messages';
import type { VoiceCloneInput, VoiceCloneSubscription, VoiceCloneWorkflow } from '../contracts/voice-clone';
import { maskPhoneNumber } from '../logger';
import { voiceCloneWorkflowId } from '../temporal/caller-key';

export interface CloneJobDeps {
  temporal: Client;
  taskQueue: string;
}

export function cloneJobActivities({ temporal, taskQueue }: CloneJobDeps) {
  return {
    /**
     * Joins the caller's clone job, starting it if none runs: signal-with-start on the id
     * `clone-<hash of the number>` makes concurrent calls from one caller share a single job (one
     * ElevenLabs clone request); the job signals its result to every subscribed call.
     */
    async subscribeToVoiceClone({ input, ...subscription }: VoiceCloneSubscription & { input: VoiceCloneInput }): Promise<{ cloneWorkflowId: string }> {
      const workflowId = voiceCloneWorkflowId(input.callerId);
      await temporal.workflow.signalWithStart<VoiceCloneWorkflow, [VoiceCloneSubscription]>('voiceCloneWorkflow', {
        workflowId,
        taskQueue,
        args: [input],
        signal: subscribeToCloneSignal,
        signalArgs: [subscription],
        staticSummary: `Voice clone for ${maskPhoneNumber(input.callerId)}`,
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
