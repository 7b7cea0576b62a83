import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CallCompletedEvent, CallEndedEvent, CallStatus } from './call';
import type { VoiceCloneResult, VoiceCloneStatus, VoiceCloneSubscription } from './voice-clone';

// Signal and query definitions shared by the workflows (handlers) and their senders (API, other
// workflows, activities). `define*` only builds name descriptors, so this is safe to import anywhere.

// callWorkflow
export const statusQuery = defineQuery<CallStatus>('status');
/** 3CX: the call changed state (ringing, connected, held…); recorded in the status. */
export const callStateChangedSignal = defineSignal<[{ state: string; at: string }]>('callStateChanged');
/** 3CX: the caller hung up. Pending steps stop and the call is finalised. */
export const callEndedSignal = defineSignal<[CallEndedEvent]>('callEnded');
/** ElevenLabs post-call webhook (or its recovery) for one of the call's conversations. */
export const callCompletedSignal = defineSignal<[CallCompletedEvent]>('callCompleted');
/** The caller's clone job reports its outcome. */
export const voiceResultSignal = defineSignal<[VoiceCloneResult]>('voiceResult');
/** Operator: stop waiting for the clone and transfer with the default voice now. */
export const useDefaultVoiceNowSignal = defineSignal('useDefaultVoiceNow');
/** Operator: ask for the clone again (after a failure or timeout) and wait once more. */
export const retryCloneSignal = defineSignal('retryClone');
/** Operator: hand the caller to the agent (needed when AUTO_TRANSITION_ENABLED=false). */
export const transferNowSignal = defineSignal('transferNow');

// voiceCloneWorkflow
export const subscribeToCloneSignal = defineSignal<[VoiceCloneSubscription]>('subscribe');
export const unsubscribeFromCloneSignal = defineSignal<[VoiceCloneSubscription]>('unsubscribe');
export const cloneStatusQuery = defineQuery<VoiceCloneStatus>('cloneStatus');
