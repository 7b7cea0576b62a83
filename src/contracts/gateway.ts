// What the call workflow asks of the gateway (activities on the gateway's task queue) and what the
// gateway tells the workflow (signals in messages.ts). The gateway owns the PBX's live streams, so
// every step that touches the call's audio runs there.

import type { FallbackReason, HoldMedia, VoiceSource } from './call';

export type { HoldMedia } from './call';

/** The task queue only the gateway of `pbx` polls. */
export function gatewayTaskQueue(baseTaskQueue: string, pbx: string): string {
  return `${baseTaskQueue}-gateway-${pbx}`;
}

/** Something said in a voice (ElevenLabs text-to-speech, rendered once and cached by the gateway). */
export interface Utterance {
  voiceId: string;
  text: string;
}

export interface HoldCallerInput {
  callId: string;
  threecxCallId: string;
  /** Known when the gateway started the call; null when a webhook did (the gateway looks it up). */
  participantId: number | null;
  greeting: Utterance;
  /** How long to wait for the call to reach the route point (a webhook may announce it earlier). */
  waitForParticipantSeconds: number;
}

export interface HoldCallerResult {
  participantId: number;
  /** When the caller's first greeting byte was sent. */
  greetingStartedAt: string;
  /** The participant was Ringing and we answered it (the other reading: the route point auto-connects). */
  answered: boolean;
}

/** Values ElevenLabs accepts in every channel (its WebSocket schema allows no null). */
export type DynamicVariables = Record<string, string | number | boolean>;

export interface ConnectAgentInput {
  callId: string;
  participantId: number;
  voiceId: string;
  voiceSource: VoiceSource;
  fallbackReason: FallbackReason | null;
  firstMessage: string;
  dynamicVariables: DynamicVariables;
  /** From the socket opening to the agent's first audio; beyond it the attempt fails (music plays on). */
  connectTimeoutSeconds: number;
}

export interface ConnectAgentResult {
  conversationId: string;
  /** When the agent's first audio went to the caller (music stopped then, not before). */
  firstAudioAt: string;
  agentOutputFormat: string;
  userInputFormat: string;
  media: HoldMedia;
}

export interface RouteCallInput {
  callId: string;
  participantId: number;
  /** A 3CX destination: an extension, a queue, or an outbound-rule number (prefix + digits). */
  destination: string;
  timeoutSeconds: number;
  /** Said before routing (e.g. the failure message before a human queue); music plays while it rings. */
  announcement: Utterance | null;
}

export interface RouteCallResult {
  /** 3CX connected the caller to the destination: our route-point leg is gone. */
  routed: boolean;
  finalStatus: 'success' | 'failed' | 'rejected';
  reason: string | null;
  media: HoldMedia;
}

export interface EndCallInput {
  callId: string;
  participantId: number;
  /** Said before the call is dropped or routed; null: nothing. */
  message: Utterance | null;
  /** A destination to route the caller to after the message; null: drop the call. */
  routeTo: string | null;
  routeTimeoutSeconds: number;
}

export interface EndCallResult {
  outcome: 'dropped' | 'routed' | 'already_gone';
}

/** Bridge mode: the agent socket closed. */
export interface AgentDisconnectedEvent {
  conversationId: string;
  at: string;
  /** WebSocket close code (1000 normal). */
  code: number;
  reason: string;
  /** The conversation ended as conversations do (the agent or the caller ended it). */
  normal: boolean;
}

/** The gateway restarted (or lost its streams) and found the call without media: music again. */
export interface MediaRestartedEvent {
  participantId: number;
  at: string;
}
