import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config';
import type {
  ConnectAgentInput,
  ConnectAgentResult,
  EndCallInput,
  EndCallResult,
  HoldCallerInput,
  HoldCallerResult,
  RouteCallInput,
  RouteCallResult,
} from '../contracts/gateway';
import type { AgentConversationClose } from '../integrations/elevenlabs';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import type { CallControl } from '../integrations/threecx/call-control';
import { isThreeCxError } from '../integrations/threecx/call-control';
import { withFailureTypes } from '../activities/failures';
import type { Logger } from '../logger';
import { AgentBridge } from './agent-bridge';
import type { CallSession } from './call-session';
import { callerGone, notOnRoutePoint } from './failures';
import type { GatewayMetrics } from './metrics';
import type { Prompts } from './media/prompts';
import type { RoutePoint } from './route-point';
import { RecentResults } from './recent-results';
import { routeParticipant } from './route-participant';
import type { WorkflowLink } from './workflow-link';

export interface GatewayActivityDeps {
  config: Config;
  callControl: CallControl;
  routePoint: RoutePoint;
  prompts: Prompts;
  elevenlabs: ElevenLabsClient;
  /** The ElevenLabs agent that takes the calls. */
  agentId: string;
  link: WorkflowLink;
  metrics: GatewayMetrics;
  log: Logger;
}

const HEARTBEAT_MS = 1000;
/** Longer than the hand-off's schedule-to-close: every retry of a step finds its answer. */
const RESULT_MEMORY_MS = 10 * 60_000;

/**
 * What the call workflow asks of the gateway that holds the call's streams. Each step is
 * idempotent (a retry after a lost answer finds the state the first attempt left) and heartbeats,
 * so a gateway that dies mid-step is noticed within seconds.
 */
export function createGatewayActivities(deps: GatewayActivityDeps) {
  const { routePoint, prompts } = deps;
  const bridges = new Map<number, AgentBridge>();
  /** What connectAgent answered per call, so a retry after a lost answer gets it again even when the call has ended since. */
  const connected = new RecentResults<ConnectAgentResult>(RESULT_MEMORY_MS);

  // Typed errors become failures whose type the retry policies know (a refusal is not retried).
  return withFailureTypes({
    async holdCaller(input: HoldCallerInput): Promise<HoldCallerResult> {
      const session = await whileBeating(() => findSession(routePoint, input, input.waitForParticipantSeconds * 1000));
      if (!session.greeted && session.firstAudioAt() === null) session.hold(await prompts.get(input.greeting).catch(() => null));
      const started = await whileBeating(() => firstByte(session));
      return { participantId: session.participantId, greetingStartedAt: started.toISOString(), answered: session.answered };
    },

    async connectAgent(input: ConnectAgentInput): Promise<ConnectAgentResult> {
      const earlier = connected.get(input.callId);
      if (earlier) return earlier;
      const session = liveSession(routePoint, input.participantId);
      let bridge = bridges.get(input.participantId);
      if (!bridge || bridge.callId !== input.callId || bridge.conversation.closed) {
        bridge = await whileBeating(() =>
          AgentBridge.connect({
            elevenlabs: deps.elevenlabs,
            agentId: deps.agentId,
            session,
            callId: input.callId,
            voiceId: input.voiceId,
            firstMessage: input.firstMessage,
            dynamicVariables: input.dynamicVariables,
            connectTimeoutMs: input.connectTimeoutSeconds * 1000,
            signal: cancellationSignal(),
          }),
        );
        keepBridge(deps, bridges, session, bridge);
      }
      deps.metrics.handoffs.inc({ mode: 'bridge', outcome: 'connected' });
      deps.metrics.holdSeconds.observe(session.holdMedia().holdMs / 1000);
      return connected.set(input.callId, {
        conversationId: bridge.conversationId,
        firstAudioAt: (bridge.firstAudioAt ?? new Date()).toISOString(),
        agentOutputFormat: bridge.agentOutputFormat,
        userInputFormat: bridge.userInputFormat,
        media: session.holdMedia(),
      });
    },

    async routeCall(input: RouteCallInput): Promise<RouteCallResult> {
      const session = liveSession(routePoint, input.participantId);
      // 3CX connects the caller the moment the destination answers: never mid-greeting.
      await whileBeating(() => session.greetingHeard());
      if (input.announcement && activityInfo().attempt === 1) await whileBeating(async () => session.say(await prompts.get(input.announcement!)));
      const outcome = await whileBeating(() => routeParticipant(deps, session, input.destination, input.timeoutSeconds, cancellationSignal()));
      deps.metrics.handoffs.inc({ mode: 'route', outcome: outcome.routed ? 'routed' : outcome.finalStatus });
      if (outcome.routed) deps.metrics.holdSeconds.observe(session.holdMedia().holdMs / 1000);
      return { ...outcome, media: session.holdMedia() };
    },

    async endCall(input: EndCallInput): Promise<EndCallResult> {
      const session = routePoint.sessionById(input.participantId);
      if (!session || session.isGone) return { outcome: 'already_gone' };
      bridges.get(input.participantId)?.close();
      // Neither a closing message nor the route or drop that follows cuts the greeting.
      await whileBeating(() => session.greetingHeard());
      if (input.message) await whileBeating(async () => session.say(await prompts.get(input.message!)));
      if (input.routeTo) {
        const routed = await whileBeating(() => routeParticipant(deps, session, input.routeTo!, input.routeTimeoutSeconds, cancellationSignal()));
        if (routed.routed) return { outcome: 'routed' };
      }
      await dropParticipant(deps, session);
      return { outcome: 'dropped' };
    },
  });
}

export type GatewayActivities = ReturnType<typeof createGatewayActivities>;

/** Bridge mode after the first word: the agent's end, or the socket failing, reach the workflow. */
function keepBridge(deps: GatewayActivityDeps, bridges: Map<number, AgentBridge>, session: CallSession, bridge: AgentBridge): void {
  bridges.get(session.participantId)?.close();
  if (session.isGone) {
    // The caller hung up just as the agent spoke: no conversation may go on talking to nobody.
    bridge.close();
    throw callerGone('The caller hung up while the agent was connecting');
  }
  bridges.set(session.participantId, bridge);
  session.once('ended', () => {
    bridge.close();
    bridges.delete(session.participantId);
  });
  const onClosed = (close: AgentConversationClose) => {
    deps.metrics.agentSocketCloses.inc({ code: String(close.code), normal: String(close.normal) });
    deps.metrics.bridgeStallSeconds.observe(session.playout.stats.liveStallMs / 1000);
    // The agent ended the conversation: the call is over. Anything else: music until the workflow decides.
    if (close.normal) {
      dropParticipant(deps, session, 'agent_ended').catch((err: unknown) => {
        // The call stays up: music until the workflow (told below) ends or routes it.
        deps.log.error({ err, participantId: session.participantId }, 'could not drop the call after the agent ended it');
        session.resumeMusic();
      });
    } else session.resumeMusic();
    const workflowId = deps.link.workflowIdOf(session.participant);
    void deps.link.agentDisconnected(workflowId, { conversationId: bridge.conversationId, at: new Date().toISOString(), code: close.code, reason: close.reason, normal: close.normal });
  };
  // The agent may already have hung up while the caller still heard the greeting.
  if (bridge.closeInfo) onClosed(bridge.closeInfo);
  else bridge.once('closed', onClosed);
}

export async function dropParticipant(deps: Pick<GatewayActivityDeps, 'callControl' | 'config'>, session: CallSession, reason = 'dropped'): Promise<void> {
  try {
    await deps.callControl.rest.action(deps.config.threecx.clientId ?? '', session.participantId, 'drop', {});
  } catch (err) {
    if (!isThreeCxError(err, 'participantGone')) throw err;
  }
  session.finish({ by: 'us', reason });
}

function liveSession(routePoint: RoutePoint, participantId: number): CallSession {
  const session = routePoint.sessionById(participantId);
  if (!session || session.isGone) throw callerGone(`Participant ${participantId} is no longer on the route point`);
  return session;
}

/** The call's session: by participant, or (a webhook started the call) by 3CX call id once it arrives. */
async function findSession(routePoint: RoutePoint, input: HoldCallerInput, waitMs: number): Promise<CallSession> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const session = input.participantId !== null ? routePoint.sessionById(input.participantId) : routePoint.sessionByCallId(input.threecxCallId);
    if (session && !session.isGone) return session;
    if (session?.isGone) throw callerGone();
    if (Date.now() > deadline) {
      // A participant we were told of but cannot find has left; a call only announced by a webhook never came.
      if (input.participantId !== null) throw callerGone();
      throw notOnRoutePoint(input.threecxCallId);
    }
    await sleep(50, undefined, { signal: cancellationSignal() });
  }
}

async function firstByte(session: CallSession): Promise<Date> {
  for (;;) {
    const at = session.firstAudioAt();
    if (at) return at;
    if (session.isGone) throw callerGone('The caller left before hearing anything');
    await sleep(10, undefined, { signal: cancellationSignal() });
  }
}

/** Heartbeats while `work` runs: the workflow sees a live gateway, and cancellation reaches us. */
async function whileBeating<T>(work: () => Promise<T>): Promise<T> {
  heartbeat();
  const beat = setInterval(() => heartbeat(), HEARTBEAT_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
