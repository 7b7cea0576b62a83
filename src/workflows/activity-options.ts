import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURE_TYPES } from '../contracts/failures';

// Why each timeout and retry is what it is (see docs/ARCHITECTURE.md):
// - Database writes retry without limit: PostgreSQL being down delays a record, never loses it.
// - Every step that waits on ElevenLabs or 3CX has a scheduleToClose bound, so no Retry-After or
//   backoff can hold a live caller longer than the step is worth.
// - startToClose is one attempt's upper bound, above the HTTP client's own timeout, so a dead
//   worker is noticed; heartbeats catch a dead gateway or a stuck clone sooner.

const databaseRetry: RetryPolicy = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' };

export const databaseWrite: ActivityOptions = { startToCloseTimeout: '10 seconds', retry: databaseRetry };

/** Writes nothing waits for run in the worker during the workflow task: one marker event each. */
export const localDatabaseWrite: LocalActivityOptions = { startToCloseTimeout: '10 seconds', retry: databaseRetry };

const externalRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 seconds',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
};

export const elevenLabsRead: ActivityOptions = { startToCloseTimeout: '20 seconds', scheduleToCloseTimeout: '2 minutes', retry: externalRetry };

export const temporalCall: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 10 },
};

/** One clone attempt: download + validation + the ElevenLabs request (VOICE_CLONE_TIMEOUT). */
export function cloneAttempt(cloneTimeoutSeconds: number): ActivityOptions {
  const attempt = cloneTimeoutSeconds + 30;
  return {
    startToCloseTimeout: `${attempt} seconds`,
    scheduleToCloseTimeout: `${attempt * 3} seconds`,
    heartbeatTimeout: '10 seconds',
    retry: { ...externalRetry, initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 4 },
  };
}

// Gateway steps. Their heartbeats are short: a gateway that dies mid-step is noticed within seconds
// and the step moves to its restarted (or standby) process, while the caller keeps the music the
// gateway restores on its own at reconnect. A cancelled step (the caller hung up) is waited for:
// once the workflow moves on, no agent is still being connected and no route still rings.
const untilStopped = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };

/** Greeting + music on the live call: usually already playing when the activity starts. */
export function holdCaller(waitForParticipantSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: `${waitForParticipantSeconds + 15} seconds`,
    scheduleToCloseTimeout: `${waitForParticipantSeconds + 60} seconds`,
    heartbeatTimeout: '5 seconds',
    retry: { ...externalRetry, initialInterval: '200 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 10 },
    ...untilStopped,
  };
}

/** Bridge mode: open the agent conversation and switch the caller's audio to it on its first word. */
export function connectAgent(connectTimeoutSeconds: number): ActivityOptions {
  const attempt = connectTimeoutSeconds + 10;
  return {
    startToCloseTimeout: `${attempt} seconds`,
    scheduleToCloseTimeout: `${attempt * 3 + 5} seconds`,
    heartbeatTimeout: '5 seconds',
    retry: { ...externalRetry, initialInterval: '500 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 3 },
    ...untilStopped,
  };
}

/** 3CX `routeto`: its reply waits for the destination to answer (INFERRED), up to the route timeout. */
export function routeCall(routeTimeoutSeconds: number): ActivityOptions {
  const attempt = routeTimeoutSeconds + 20;
  return {
    startToCloseTimeout: `${attempt} seconds`,
    scheduleToCloseTimeout: `${attempt * 2} seconds`,
    heartbeatTimeout: '5 seconds',
    retry: { ...externalRetry, initialInterval: '500 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 2 },
    ...untilStopped,
  };
}

/** Say the closing message, then drop or route: cleanup, so few quick attempts. */
export function endCall(routeTimeoutSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: `${routeTimeoutSeconds + 30} seconds`,
    scheduleToCloseTimeout: `${routeTimeoutSeconds + 60} seconds`,
    heartbeatTimeout: '5 seconds',
    retry: { ...externalRetry, initialInterval: '200 milliseconds', maximumInterval: '1 second', maximumAttempts: 3 },
  };
}
