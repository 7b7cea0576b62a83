import type { ConversationChannel } from '../types';
import { randomAlphanumeric } from '../util';

export type SandboxConversationStatus = 'initiated' | 'in-progress' | 'processing' | 'done' | 'failed';
export type DynamicValue = string | number | boolean | null;

export interface SandboxTurn {
  role: 'agent' | 'user';
  message: string;
  timeInCallSecs: number;
  interrupted: boolean;
}

/** One piece of audio as it crossed the wire, in the conversation's format for that direction. */
export interface SandboxAudioChunk {
  direction: 'agent' | 'user';
  atMs: number;
  format: string;
  bytes: Buffer;
}

export interface SandboxPing {
  eventId: number;
  sentAtMs: number;
  pongAtMs: number | null;
}

/** An inbound SIP call's leg [SPEC ConversationHistorySIPTrunkingPhoneCallModel]. */
export interface SandboxPhoneCall {
  phoneNumberId: string;
  /** The imported number that was called. */
  agentNumber: string;
  /** The caller. */
  externalNumber: string;
  callSid: string;
}

export interface SandboxConversation {
  conversationId: string;
  agentId: string;
  channel: ConversationChannel;
  phoneCall: SandboxPhoneCall | null;
  /** conversation_initiation_client_data as received (WebSocket first message or pre-call webhook answer); null when none. */
  clientData: Record<string, unknown> | null;
  userId: string | null;
  dynamicVariables: Record<string, DynamicValue>;
  /** The voice the agent speaks in: the override, else the agent's. */
  voiceId: string;
  /** Rendered with the dynamic variables; "" when the agent waits for the user. */
  firstMessage: string;
  userInputFormat: string;
  agentOutputFormat: string;
  /** [SPEC ConversationInitiationSource] */
  initiationSource: string;
  startedAtMs: number;
  endedAtMs: number | null;
  doneAtMs: number | null;
  terminationReason: string;
  failed: boolean;
  error: { code: number; reason: string } | null;
  transcript: SandboxTurn[];
  audio: SandboxAudioChunk[];
  pings: SandboxPing[];
}

export type NewConversation = Pick<
  SandboxConversation,
  'agentId' | 'channel' | 'phoneCall' | 'clientData' | 'userId' | 'dynamicVariables' | 'voiceId' | 'firstMessage' | 'userInputFormat' | 'agentOutputFormat' | 'initiationSource'
> & { conversationId?: string };

export function newConversationId(): string {
  return `conv_${randomAlphanumeric(26).toLowerCase()}`;
}

export function createConversation(input: NewConversation, startedAtMs: number): SandboxConversation {
  return {
    ...input,
    conversationId: input.conversationId ?? newConversationId(),
    startedAtMs,
    endedAtMs: null,
    doneAtMs: null,
    terminationReason: '',
    failed: false,
    error: null,
    transcript: [],
    audio: [],
    pings: [],
  };
}

/** Replaces `{{name}}` with the dynamic variable's value, as the agent runtime does. Unknown names stay as they are. */
export function renderTemplate(text: string, vars: Record<string, DynamicValue>): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined || value === null ? whole : String(value);
  });
}

export function conversationStatus(c: SandboxConversation, now: number): SandboxConversationStatus {
  if (c.endedAtMs === null) return 'in-progress';
  if (c.failed) return 'failed';
  if (c.doneAtMs === null || now < c.doneAtMs) return 'processing';
  return 'done';
}

export function callDurationSecs(c: SandboxConversation, now: number): number {
  return Math.floor(((c.endedAtMs ?? now) - c.startedAtMs) / 1000);
}

/** Agent (or caller) audio as one buffer, in the format it was sent in. */
export function conversationAudio(c: SandboxConversation, direction: 'agent' | 'user'): Buffer {
  return Buffer.concat(c.audio.filter((a) => a.direction === direction).map((a) => a.bytes));
}
