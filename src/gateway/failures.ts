import { ApplicationFailure } from '@temporalio/common';
import { CALL_FAILURES } from '../contracts/failures';

/** The caller left the route point (hung up, or the leg was replaced) before the step could act. */
export function callerGone(message = 'The caller left the route point'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, CALL_FAILURES.callerGone.type);
}

/** A webhook announced a call that never reached the route point. */
export function notOnRoutePoint(threecxCallId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Call ${threecxCallId} never reached the route point`, CALL_FAILURES.notOnRoutePoint.type);
}
