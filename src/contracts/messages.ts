import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CallCompletedEvent, CallEndedEvent, CallStatus } from './call';
import type { AgentDisconnectedEvent, MediaRestartedEvent } from './gateway';
import type { VoiceCloneResult, VoiceCloneStatus, VoiceCloneSubscription } from './voice-clone';

// Message definitions shared by the workflows (handlers) and their senders (API, gateway, other
// workflows). `define*` only builds name descriptors, so this is safe to import anywhere.

// callWorkflow: state
export const statusQuery = defineQuery<CallStatus>('status');

// callWorkflow: events whose senders cannot wait for the workflow (signals)
/** 3CX webhook: the call changed state (ringing, connected, held…); recorded in the status. */
export const callStateChangedSignal = defineSignal<[{ state: string; at: string }]>('callStateChanged');
/** The caller is gone (3CX Remove, the caller's stream closed, a CallEnded webhook). */
export const callEndedSignal = defineSignal<[CallEndedEvent]>('callEnded');
/** ElevenLabs post-call webhook (or its recovery) for the call's agent conversation. */
export const callCompletedSignal = defineSignal<[CallCompletedEvent]>('callCompleted');
/** The caller's clone job reports its outcome. */
export const voiceResultSignal = defineSignal<[VoiceCloneResult]>('voiceResult');
/** Gateway, bridge mode: the agent's socket closed. */
export const agentDisconnectedSignal = defineSignal<[AgentDisconnectedEvent]>('agentDisconnected');
/** Gateway: it restarted and found the call without media; music plays again. */
export const mediaRestartedSignal = defineSignal<[MediaRestartedEvent]>('mediaRestarted');

// callWorkflow: operator actions (updates: validated, answered with the new status)
/** Stop waiting for the clone and hand off with the default voice. */
export const useDefaultVoiceUpdate = defineUpdate<CallStatus>('useDefaultVoice');
/** Ask for the caller's clone again (after a failure or timeout) and wait once more. */
export const retryCloneUpdate = defineUpdate<CallStatus>('retryClone');
/** Hand the caller to the agent now: with the voice chosen so far, or the default voice. */
export const handOffNowUpdate = defineUpdate<CallStatus>('handOffNow');

// voiceCloneWorkflow
export const subscribeToCloneSignal = defineSignal<[VoiceCloneSubscription]>('subscribe');
export const unsubscribeFromCloneSignal = defineSignal<[Pick<VoiceCloneSubscription, 'callWorkflowId'>]>('unsubscribe');
export const cloneStatusQuery = defineQuery<VoiceCloneStatus>('cloneStatus');
