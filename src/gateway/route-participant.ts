import { ApplicationFailure } from '@temporalio/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config';
import { CALL_FAILURES } from '../contracts/failures';
import type { CallControl, FinalStatus } from '../integrations/threecx/call-control';
import { isThreeCxError } from '../integrations/threecx/call-control';
import type { CallSession } from './call-session';

export interface RouteOutcome {
  routed: boolean;
  finalStatus: FinalStatus;
  reason: string | null;
}

/** The HTTP reply may wait for the destination's answer (INFERRED), so it gets the route timeout and more. */
const REPLY_MARGIN_SECONDS = 10;

/**
 * `routeto` [CCX, NET RouteToAsync]: 3CX rings the destination while the caller keeps hearing our
 * music; "the answering connection is replacing the parent connection", and if every destination
 * fails "the parent connection is left alive" (the music plays on). When the reply comes is
 * UNCONFIRMED (THREECX_ROUTETO_REPLY): `after-answer` — then, as 3CX's IVR example does, our leg
 * is dropped if it is still there; `immediately` — then the answer shows as our leg vanishing
 * within the timeout.
 */
export async function routeParticipant(
  deps: { callControl: CallControl; config: Config },
  session: CallSession,
  destination: string,
  timeoutSeconds: number,
  signal: AbortSignal,
): Promise<RouteOutcome> {
  const { callControl, config } = deps;
  const dn = config.threecx.clientId ?? '';
  session.state = 'routing';
  let outcome: RouteOutcome;
  try {
    const reply = await callControl.rest.action(dn, session.participantId, 'routeto', { destination, timeout: timeoutSeconds }, { timeoutMs: (timeoutSeconds + REPLY_MARGIN_SECONDS) * 1000, signal });
    const status = reply.finalStatus ?? 'failed';
    outcome = { routed: status === 'success', finalStatus: status, reason: reply.reasonText ?? reply.reason };
    if (outcome.routed && config.threecx.routeReplies === 'immediately') outcome = await awaitAnswer(session, timeoutSeconds, signal);
  } catch (err) {
    settle(session, null);
    if (isThreeCxError(err, 'participantGone')) throw ApplicationFailure.nonRetryable('The caller left while being routed', CALL_FAILURES.callerGone.type);
    throw err;
  }
  if (outcome.routed && config.threecx.routeReplies === 'after-answer' && !session.vanishedWhileRouting) {
    await callControl.rest.action(dn, session.participantId, 'drop', {}).catch((err: unknown) => {
      if (!isThreeCxError(err, 'participantGone')) throw err;
    });
  }
  settle(session, outcome);
  return outcome;
}

async function awaitAnswer(session: CallSession, timeoutSeconds: number, signal: AbortSignal): Promise<RouteOutcome> {
  const deadline = Date.now() + (timeoutSeconds + 5) * 1000;
  while (!session.vanishedWhileRouting && Date.now() < deadline) await sleep(50, undefined, { signal });
  return session.vanishedWhileRouting ? { routed: true, finalStatus: 'success', reason: null } : { routed: false, finalStatus: 'failed', reason: 'no answer within the route timeout' };
}

/** The call left us (routed), or stays with its music — unless the caller left meanwhile. */
function settle(session: CallSession, outcome: RouteOutcome | null): void {
  const vanished = session.vanishedWhileRouting;
  session.vanishedWhileRouting = null;
  if (outcome?.routed) {
    session.state = 'left';
    session.finish({ by: 'us', reason: 'routed' });
    return;
  }
  session.state = 'holding';
  if (vanished) session.finish(vanished);
}
