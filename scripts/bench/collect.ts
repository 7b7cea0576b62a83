import type { SandboxConversation } from '../../simulators/elevenlabs';
import type { ThreeCxSimulator } from '../../simulators/threecx';
import type { ClockSkew } from './clock';
import type { GatewayProbe } from './gateway-probe';
import { analyseHeard, classifierFirstMs } from './heard';
import type { PlacedCall } from './load';
import { GREETING_VOICE, type Simulators } from './simulators';
import type { WorkflowFate } from './workflows';

/** Agent conversations end this way when the sandbox agent's time is up (anything else dropped the call). */
export const AGENT_ENDED = 'Call ended by the agent';
/** An utterance's chunks leave the sandbox every 100 ms (2× real time); a longer pause starts the next. */
const UTTERANCE_GAP_MS = 400;

const r1 = (n: number | null | undefined): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);
const iso = (s: string | undefined): number | null => (s ? Date.parse(s) : null);

/** Stage times of the greeting, ms after the route-point Upsert (null: not observable in this layout). */
export interface GreetingStages {
  wsEvent: number | null;
  getArrives: number | null;
  session: number | null;
  playbackCreated: number | null;
  firstWrite: number | null;
  playbackHeaders: number | null;
  playbackFirstChunk: number | null;
  postArrives: number | null;
  ear: number | null;
}

/** Stage times of the hand-off, ms after the start point of the voice-ready figure. */
export interface HandoffStages {
  /** Bridge: the gateway's signed-URL request and WebSocket upgrade reach the sandbox. */
  signedUrl: number | null;
  wsUpgrade: number | null;
  /** SIP: the routeto reaches the PBX, the sandbox calls our conversation-init webhook and has its answer. */
  routeArrives: number | null;
  initWebhookSent: number | null;
  initWebhookAnswered: number | null;
  conversationStart: number | null;
  firstAgentChunk: number | null;
  ear: number | null;
}

export interface CallRecord {
  index: number;
  callerKind: string;
  repeat: boolean;
  workflowId: string;
  participantId: number;
  placedAt: number;
  /** Epoch ms, like every epoch here on the monotonic clock (see ClockSkew). */
  upsertAt: number | null;
  workflowStatus: string;
  phase: string | null;
  failureReason: string | null;
  lastError: string | null;
  voiceSource: string | null;
  voiceId: string | null;
  fallbackReason: string | null;
  callEndReason: string | null;
  connectedTo: string | null;
  /** In-process: the playback POST went out on a new TCP connection (not a kept-alive one). */
  playbackNewConnection: boolean | null;
  /** POST streams the gateway opened to this participant (more than one: the greeting restarted or the stream broke). */
  postStreams: number;
  /** Agent conversations at the sandbox for this call (more than one: duplicated). */
  conversations: number;
  conversationId: string | null;
  terminationReason: string | null;
  /** The call ended any other way than the agent ending its conversation (or never reached it). */
  dropped: boolean;
  greetingFirst: boolean;
  greetingHeardMs: number;
  /** Upsert → first non-zero sample at the caller's ear. */
  upsertToGreetingMs: number | null;
  /** First 20 ms frame the classifier labels as the greeting voice, from the call's start (what the e2e tests read). */
  classifierGreetingMs: number | null;
  greetingStages: GreetingStages;
  holdDeadAirMs: number | null;
  holdLongestGapMs: number | null;
  holdGaps: number | null;
  voiceReadyAt: number | null;
  greetingEndAt: number | null;
  agentHeardAt: number | null;
  /** Epoch ms of the routeto's arrival at the PBX (SIP) and of the agent conversation's start at the sandbox. */
  routeArrivesAt: number | null;
  conversationStartAt: number | null;
  /** Agent heard − max(voice ready, greeting end at the ear). */
  voiceReadyToAgentMs: number | null;
  voiceReadyBeforeGreetingEnd: boolean | null;
  /** The sandbox agent's own first-audio latency in this conversation. */
  agentLatencyMs: number | null;
  handoffStages: HandoffStages;
  initWebhookMs: number | null;
  initWebhookOutcome: string | null;
  agentAudioMs: number | null;
  agentStretches: number | null;
  agentUtterances: number | null;
  agentStalls: number | null;
  agentStallMs: number | null;
  agentMaxStallMs: number | null;
  /** In-process: the agent audio the gateway's own playout saw arrive too late (its clock, before the PBX). */
  gatewayStallMs: number | null;
  /** Epoch ms where each stall began (to line them up with other calls' events). */
  agentStallsAt: number[];
  interruptedTurns: number;
  /** Epoch ms of the first agent frame and of the call's end at the ear: the call's bridged span. */
  bridgedFrom: number | null;
  bridgedUntil: number | null;
}

export interface Collected {
  records: CallRecord[];
  /** Every 20 ms of agent audio heard, its lateness (see heard.ts), all calls. */
  frameLatenessMs: number[];
  /** Every stall while an agent spoke, all calls. */
  stallsMs: number[];
  /** Agent chunk leaves the sandbox → heard, first chunk of each turn after the first (the first may wait for the greeting). */
  utteranceDeliveryMs: number[];
}

interface Utterance {
  firstSentAt: number;
}

function agentUtterances(c: SandboxConversation): Utterance[] {
  const out: Utterance[] = [];
  let last = -Infinity;
  for (const chunk of c.audio) {
    if (chunk.direction !== 'agent') continue;
    if (chunk.atMs - last > UTTERANCE_GAP_MS) out.push({ firstSentAt: chunk.atMs });
    last = chunk.atMs;
  }
  return out;
}

/** The Agents WebSocket upgrade that opened `c` (the last one before its init data), and the signed-URL request it used. */
function socketRequests(sandbox: Simulators['sandbox'], c: SandboxConversation): { signedUrlAt: number | null; upgradeAt: number | null } {
  const upgrade = sandbox.requests
    .filter((q) => q.endpoint === 'convai.conversation' && q.status === 101 && q.receivedAt <= c.startedAtMs && q.receivedAt > c.startedAtMs - 5_000)
    .at(-1);
  const signature = upgrade?.query.conversation_signature;
  const signed = signature ? sandbox.requests.find((q) => q.endpoint === 'signedUrl' && JSON.stringify(q.responseJson ?? '').includes(signature)) : undefined;
  return { signedUrlAt: signed?.receivedAt ?? null, upgradeAt: upgrade?.receivedAt ?? null };
}

/** When the first `method` request on a path ending in `suffix` reached the PBX, on the monotonic clock. */
function firstRequest(pbx: ThreeCxSimulator, method: string, suffix: string, clock: ClockSkew): number | null {
  const at = pbx.requests.find((q) => q.method === method && q.path.endsWith(suffix))?.at;
  return at === undefined ? null : clock.toMonotonic(at);
}

export interface CollectInput {
  calls: readonly PlacedCall[];
  fates: readonly WorkflowFate[];
  sims: Simulators;
  probe: GatewayProbe | null;
  greetingMs: number;
  /** Moves the simulator's and Temporal's wall-clock stamps onto the monotonic clock every CallRecord epoch is on. */
  clock: ClockSkew;
}

/** Each call's fate, from the simulator's ear and records, the sandbox's records and Temporal. */
export function collectCalls({ calls, fates, sims, probe, greetingMs, clock }: CollectInput): Collected {
  const byCall = new Map<string, SandboxConversation[]>();
  for (const c of sims.sandbox.conversations.values()) {
    if (!c.userId) continue;
    const list = byCall.get(c.userId) ?? [];
    list.push(c);
    byCall.set(c.userId, list);
  }
  const collected: Collected = { records: [], frameLatenessMs: [], stallsMs: [], utteranceDeliveryMs: [] };
  calls.forEach((placed, i) => {
    const fate = fates[i]!;
    const { call } = placed;
    const pbx = sims.pbx;
    const entity = `/participants/${call.participantId}`;
    const upsertSent = pbx.events.find((e) => e.eventType === 0 && e.entity.endsWith(entity))?.at;
    const upsertAt = upsertSent === undefined ? null : clock.toMonotonic(upsertSent);
    const startedAt = clock.toMonotonic(call.startedAt);
    const conversations = byCall.get(placed.workflowId) ?? [];
    const conversation = conversations[0] ?? null;
    const outcome = fate.outcome;
    const utterances = conversation ? agentUtterances(conversation) : [];
    const interrupted = conversation?.transcript.some((t) => t.interrupted) ?? false;
    // An interrupted turn is a shorter stretch at the ear, then a pause: the analysis holds across it.
    // A routed call's agent cannot be heard before the routeto (which may cut the greeting).
    const routeAt = firstRequest(sims.pbx, 'POST', `/participants/${call.participantId}/routeto`, clock);
    const heard = analyseHeard({
      pcm: call.heardPcm(),
      greetingMs,
      greetingVoiceId: GREETING_VOICE,
      agentVoiceId: conversation?.voiceId ?? null,
      // The far end of a routed call answers, then its agent speaks: the silence between is not the hold's.
      ...(routeAt === null ? {} : { agentSearchFromMs: routeAt - startedAt }),
      ...(routeAt !== null && conversation ? { holdUntilMs: conversation.startedAtMs - startedAt } : {}),
    });
    const at = (offset: number | null): number | null => (offset === null ? null : startedAt + offset);
    const firstAudioAt = at(heard.firstAudioMs);
    const greetingEndAt = at(heard.greetingEndMs);
    const agentHeardAt = at(heard.agentStartMs);
    const readyStep = iso(outcome?.steps.voiceReady);
    const voiceReadyAt = readyStep === null ? null : clock.toMonotonic(readyStep);
    // Neither mode cuts the greeting on purpose: the hand-off is timed from whichever came last.
    const from = voiceReadyAt !== null && greetingEndAt !== null ? Math.max(voiceReadyAt, greetingEndAt) : voiceReadyAt;
    const firstChunk = utterances[0]?.firstSentAt ?? null;
    const init = conversation ? sims.sandbox.initWebhookCalls.find((w) => w.conversationId === conversation.conversationId) : undefined;
    const socket = conversation?.channel === 'websocket' ? socketRequests(sims.sandbox, conversation) : { signedUrlAt: null, upgradeAt: null };
    const since = (origin: number | null) => (t: number | null | undefined): number | null => (origin === null || t === null || t === undefined ? null : r1(t - origin));
    const fromUpsert = since(upsertAt);
    const fromReady = since(from);
    const stamps = probe?.stamps.get(call.participantId);
    const agent = heard.agent;

    if (agent) {
      collected.frameLatenessMs.push(...agent.frameLatenessMs);
      collected.stallsMs.push(...agent.stalls);
      if (!interrupted && agent.stretches.length === utterances.length) {
        utterances.forEach((u, k) => k > 0 && collected.utteranceDeliveryMs.push(startedAt + agent.stretches[k]!.startMs - u.firstSentAt));
      }
    }
    collected.records.push({
      index: placed.plan.index,
      callerKind: placed.plan.caller.kind,
      repeat: placed.plan.repeat,
      workflowId: placed.workflowId,
      participantId: call.participantId,
      placedAt: r1(placed.placedAt)!,
      upsertAt,
      workflowStatus: fate.status,
      phase: outcome?.phase ?? null,
      failureReason: outcome?.failureReason ?? null,
      lastError: outcome?.lastError ?? fate.error,
      voiceSource: outcome?.voice.source ?? null,
      voiceId: outcome?.voice.voiceId ?? null,
      fallbackReason: outcome?.voice.fallbackReason ?? null,
      callEndReason: call.endReason,
      connectedTo: call.connectedTo?.kind ?? null,
      playbackNewConnection: stamps?.playbackNewConnection ?? null,
      postStreams: pbx.requests.filter((q) => q.method === 'POST' && q.path.endsWith(`${entity}/stream`)).length,
      conversations: conversations.length,
      conversationId: conversation?.conversationId ?? null,
      terminationReason: conversation?.terminationReason || null,
      dropped: outcome?.phase !== 'completed' || conversation?.terminationReason !== AGENT_ENDED,
      greetingFirst: heard.greetingFirst,
      greetingHeardMs: r1(heard.greetingHeardMs)!,
      upsertToGreetingMs: fromUpsert(firstAudioAt),
      classifierGreetingMs: classifierFirstMs(call.heardPcm(), GREETING_VOICE),
      greetingStages: {
        wsEvent: fromUpsert(stamps?.wsEventAt),
        getArrives: fromUpsert(firstRequest(pbx, 'GET', entity, clock)),
        session: fromUpsert(stamps?.sessionAt),
        playbackCreated: fromUpsert(stamps?.playbackCreatedAt),
        firstWrite: fromUpsert(probe?.firstWriteAt(call.participantId)),
        playbackHeaders: fromUpsert(stamps?.playbackHeadersAt),
        playbackFirstChunk: fromUpsert(stamps?.playbackFirstChunkAt),
        postArrives: fromUpsert(firstRequest(pbx, 'POST', `${entity}/stream`, clock)),
        ear: fromUpsert(firstAudioAt),
      },
      holdDeadAirMs: heard.firstAudioMs === null ? null : r1(heard.hold.deadAirMs),
      holdLongestGapMs: heard.firstAudioMs === null ? null : r1(heard.hold.longestGapMs),
      holdGaps: heard.firstAudioMs === null ? null : heard.hold.gaps,
      voiceReadyAt,
      greetingEndAt: r1(greetingEndAt),
      agentHeardAt: r1(agentHeardAt),
      routeArrivesAt: routeAt,
      conversationStartAt: r1(conversation?.startedAtMs),
      voiceReadyToAgentMs: fromReady(agentHeardAt),
      voiceReadyBeforeGreetingEnd: voiceReadyAt === null || greetingEndAt === null ? null : voiceReadyAt < greetingEndAt,
      agentLatencyMs: conversation && firstChunk !== null ? r1(firstChunk - conversation.startedAtMs) : null,
      handoffStages: {
        signedUrl: fromReady(socket.signedUrlAt),
        wsUpgrade: fromReady(socket.upgradeAt),
        routeArrives: fromReady(routeAt),
        initWebhookSent: fromReady(init?.sentAt),
        initWebhookAnswered: fromReady(init?.respondedAt),
        conversationStart: fromReady(conversation?.startedAtMs),
        firstAgentChunk: fromReady(firstChunk),
        ear: fromReady(agentHeardAt),
      },
      initWebhookMs: r1(init?.latencyMs),
      initWebhookOutcome: init?.outcome ?? null,
      agentAudioMs: agent ? r1(agent.stretches.reduce((a, s) => a + s.audioMs, 0)) : null,
      agentStretches: agent?.stretches.length ?? null,
      agentUtterances: conversation ? utterances.length : null,
      agentStalls: agent?.stalls.length ?? null,
      agentStallMs: agent ? r1(agent.stalls.reduce((a, b) => a + b, 0)) : null,
      agentMaxStallMs: agent ? r1(Math.max(0, ...agent.stalls)) : null,
      gatewayStallMs: r1(stamps?.session?.playout.stats.liveStallMs),
      agentStallsAt: agent ? agent.stallStartsMs.map((m) => r1(startedAt + m)!) : [],
      interruptedTurns: conversation?.transcript.filter((t) => t.interrupted).length ?? 0,
      bridgedFrom: r1(agentHeardAt),
      bridgedUntil: agentHeardAt === null ? null : r1(startedAt + heard.endMs),
    });
  });
  return collected;
}
