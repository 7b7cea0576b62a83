import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CallCompletedEvent, CallEndedEvent, CallStatus } from './call';

// Signal and query definitions shared by the workflow (handlers) and the API (senders).
// `@temporalio/workflow`'s define* functions only build name descriptors; they are safe to import
// outside workflow code.

export const statusQuery = defineQuery<CallStatus>('status');
export const callEndedSignal = defineSignal<[CallEndedEvent]>('callEnded');
export const callCompletedSignal = defineSignal<[CallCompletedEvent]>('callCompleted');
