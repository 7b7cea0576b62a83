import type { CallRecord, Collected, GreetingStages, HandoffStages } from './collect';
import { summarize, type Summary } from './stats';

export interface Latencies {
  /** Route-point Upsert (simulator) → first non-zero sample at the caller's ear. */
  upsertToGreeting: Summary;
  /** The tests' reading: first 20 ms frame classified as the greeting voice, from the call's start. */
  greetingByClassifier: Summary;
  /** From max(voice ready, greeting end at the ear) to the agent's first frame at the ear. */
  voiceReadyToAgent: Summary;
  voiceReadyToAgentBySource: Record<string, Summary>;
  /** Only calls whose voice was ready after the greeting had ended: the hand-off not hidden behind it. */
  voiceReadyAfterGreetingToAgent: Summary;
  /** The sandbox agent's own first-audio latency, per conversation (part of the figure above). */
  agentFirstAudio: Summary;
  /** SIP: the sandbox's conversation-initiation webhook call → our answer. */
  initWebhook: Summary;
  /** Per call, from the first greeting byte to the end of the hold. */
  holdDeadAir: Summary;
  holdLongestGap: Summary;
}

export interface Jitter {
  /** For every 20 ms of agent audio heard: how much later it played than if its turn had played without a break. */
  frameLateness: Summary;
  /** Each break while the agent spoke (1 ms ≤ gap < 300 ms). */
  stalls: Summary;
  stallCount: number;
  callsWithStalls: number;
  /**
   * Stalls that began while another call's agent was being connected (its conversation start − 50 ms
   * to its first audio at the caller + 300 ms): the gateway's work for one call holding up another's audio.
   */
  stallsWhileAnotherConnects: number;
  /** The same stalls as the gateway's playout saw them (its clock, before the PBX), summed; null when not observable. */
  gatewayStallMsTotal: number | null;
  /** What the ear heard as stalls, summed. */
  earStallMsTotal: number;
  agentAudioSeconds: number;
  /** A sandbox agent chunk leaving → heard, the first chunk of each turn after the first. */
  utteranceDelivery: Summary;
}

const pick = (calls: readonly CallRecord[], f: (c: CallRecord) => number | null): number[] => calls.map(f).filter((v): v is number => v !== null);

export function buildLatencies(calls: readonly CallRecord[]): Latencies {
  const sources = [...new Set(calls.map((c) => c.voiceSource).filter((s): s is string => s !== null))].sort();
  return {
    upsertToGreeting: summarize(pick(calls, (c) => c.upsertToGreetingMs)),
    greetingByClassifier: summarize(pick(calls, (c) => c.classifierGreetingMs)),
    voiceReadyToAgent: summarize(pick(calls, (c) => c.voiceReadyToAgentMs)),
    voiceReadyToAgentBySource: Object.fromEntries(sources.map((s) => [s, summarize(pick(calls.filter((c) => c.voiceSource === s), (c) => c.voiceReadyToAgentMs))])),
    voiceReadyAfterGreetingToAgent: summarize(pick(calls.filter((c) => c.voiceReadyBeforeGreetingEnd === false), (c) => c.voiceReadyToAgentMs)),
    agentFirstAudio: summarize(pick(calls, (c) => c.agentLatencyMs)),
    initWebhook: summarize(pick(calls, (c) => c.initWebhookMs)),
    holdDeadAir: summarize(pick(calls, (c) => c.holdDeadAirMs)),
    holdLongestGap: summarize(pick(calls, (c) => c.holdLongestGapMs)),
  };
}

function stallsWhileAnotherConnects(calls: readonly CallRecord[]): number {
  const connects = calls
    .filter((c) => c.conversationStartAt !== null && c.agentHeardAt !== null)
    .map((c) => ({ id: c.workflowId, from: c.conversationStartAt! - 50, to: c.agentHeardAt! + 300 }));
  let n = 0;
  for (const c of calls) for (const at of c.agentStallsAt) if (connects.some((k) => k.id !== c.workflowId && at >= k.from && at <= k.to)) n += 1;
  return n;
}

export function buildJitter(calls: readonly CallRecord[], collected: Collected, gatewayStallMsTotal: number | null): Jitter {
  const inProcess = calls.filter((c) => c.gatewayStallMs !== null);
  return {
    gatewayStallMsTotal: inProcess.length ? Math.round(inProcess.reduce((a, c) => a + c.gatewayStallMs!, 0)) : gatewayStallMsTotal,
    earStallMsTotal: Math.round(collected.stallsMs.reduce((a, b) => a + b, 0)),
    stallsWhileAnotherConnects: stallsWhileAnotherConnects(calls),
    frameLateness: summarize(collected.frameLatenessMs),
    stalls: summarize(collected.stallsMs),
    stallCount: collected.stallsMs.length,
    callsWithStalls: calls.filter((c) => (c.agentStalls ?? 0) > 0).length,
    agentAudioSeconds: Math.round(calls.reduce((a, c) => a + (c.agentAudioMs ?? 0), 0) / 100) / 10,
    utteranceDelivery: summarize(collected.utteranceDeliveryMs),
  };
}

/** Each stage's time after the figure's start point, across calls (hand-off: voice ready after the greeting only, where it is not hidden behind it). */
export function buildStages(calls: readonly CallRecord[], handoff: 'bridge' | 'sip'): { greeting: Record<keyof GreetingStages, Summary>; handoff: Record<keyof HandoffStages, Summary> } {
  const greetingKeys: (keyof GreetingStages)[] = ['wsEvent', 'getArrives', 'session', 'playbackCreated', 'firstWrite', 'playbackHeaders', 'playbackFirstChunk', 'postArrives', 'ear'];
  const handoffKeys: (keyof HandoffStages)[] =
    handoff === 'bridge' ? ['signedUrl', 'wsUpgrade', 'conversationStart', 'firstAgentChunk', 'ear'] : ['routeArrives', 'initWebhookSent', 'initWebhookAnswered', 'conversationStart', 'firstAgentChunk', 'ear'];
  const afterGreeting = calls.filter((c) => c.voiceReadyBeforeGreetingEnd === false);
  return {
    greeting: Object.fromEntries(greetingKeys.map((k) => [k, summarize(pick(calls, (c) => c.greetingStages[k]))])) as Record<keyof GreetingStages, Summary>,
    handoff: Object.fromEntries(handoffKeys.map((k) => [k, summarize(pick(afterGreeting, (c) => c.handoffStages[k]))])) as Record<keyof HandoffStages, Summary>,
  };
}
