import { EventEmitter } from 'node:events';
import { AgentStore } from './agents/settings';
import { SignedUrlStore } from './agents/signed-urls';
import type { SandboxConversation } from './conversations/model';
import { FailureInjector } from './failures';
import { Lifecycle } from './lifecycle';
import {
  type ConversationChannel,
  type ConversationFaultSpec,
  type ElevenLabsSandboxOptions,
  type FailureSpec,
  type InitWebhookCallRecord,
  type InitWebhookFailureMode,
  type InitWebhookTarget,
  type LatencyRange,
  type OverrideRefusal,
  SANDBOX_ENDPOINTS,
  type SandboxEndpoint,
  type SandboxRequestRecord,
  type SipNumberTarget,
  type WebhookDeliveryRecord,
  type WebhookRetryOptions,
} from './types';
import { PREMADE_VOICES, VoiceStore } from './voices/store';
import { WebhookSender } from './webhooks/sender';

export interface SipNumber {
  agentId: string;
  phoneNumberId: string;
}

/** Runtime-adjustable behaviour (see ElevenLabsSandboxOptions for meanings and defaults). */
export interface SandboxConfig {
  cloneLatencyMs: LatencyRange;
  apiLatencyMs: LatencyRange;
  ttsLatencyMs: LatencyRange;
  voiceLimit: number;
  acceptAnyPremadeVoiceId: boolean;
  agentFirstAudioLatencyMs: LatencyRange;
  callDurationMs: LatencyRange;
  analysisDurationMs: LatencyRange;
  pingIntervalMs: number;
  overrideRefusal: OverrideRefusal;
  signedUrlTtlMs: number;
  sipNumbers: Map<string, SipNumber>;
  conversationInitWebhook: InitWebhookTarget | null;
  initWebhookTimeoutMs: number;
  initWebhookFailure: InitWebhookFailureMode;
}

export interface WebhookSettings {
  url?: string;
  secret?: string;
  retry: WebhookRetryOptions;
}

export const CONVERSATION_CHANNELS: readonly ConversationChannel[] = ['websocket', 'sip'];

export interface SandboxState {
  readonly apiKey: string;
  readonly config: SandboxConfig;
  readonly webhook: WebhookSettings;
  readonly voices: VoiceStore;
  readonly agents: AgentStore;
  readonly conversations: Map<string, SandboxConversation>;
  readonly signedUrls: SignedUrlStore;
  readonly failures: FailureInjector<SandboxEndpoint, FailureSpec>;
  readonly conversationFaults: FailureInjector<ConversationChannel, ConversationFaultSpec>;
  readonly initWebhookCalls: InitWebhookCallRecord[];
  readonly requests: SandboxRequestRecord[];
  readonly deliveries: WebhookDeliveryRecord[];
  readonly sender: WebhookSender;
  readonly lifecycle: Lifecycle;
  /** 'request', 'delivery', 'conversation', 'init-webhook'. */
  readonly events: EventEmitter;
  readonly random: () => number;
  /** ws://host:port of the running server, for signed URLs. */
  wsBaseUrl: string;
}

export function normaliseSipNumbers(value: Record<string, SipNumberTarget> | undefined): Map<string, SipNumber> {
  const out = new Map<string, SipNumber>();
  let index = 1;
  for (const [number, target] of Object.entries(value ?? {})) {
    const phoneNumberId = typeof target === 'object' && target.phoneNumberId !== undefined ? target.phoneNumberId : `phnum_sandbox_${index}`;
    out.set(number, { agentId: typeof target === 'string' ? target : target.agentId, phoneNumberId });
    index += 1;
  }
  return out;
}

function initialConfig(options: ElevenLabsSandboxOptions): SandboxConfig {
  return {
    cloneLatencyMs: options.cloneLatencyMs ?? { min: 5_000, max: 30_000 },
    apiLatencyMs: options.apiLatencyMs ?? { min: 5, max: 40 },
    ttsLatencyMs: options.ttsLatencyMs ?? { min: 100, max: 300 },
    voiceLimit: options.voiceLimit ?? 10,
    acceptAnyPremadeVoiceId: options.acceptAnyPremadeVoiceId ?? false,
    agentFirstAudioLatencyMs: options.agentFirstAudioLatencyMs ?? { min: 300, max: 700 },
    callDurationMs: options.callDurationMs ?? 20_000,
    analysisDurationMs: options.analysisDurationMs ?? 1_000,
    pingIntervalMs: options.pingIntervalMs ?? 2_000,
    overrideRefusal: options.overrideRefusal ?? 'after-metadata',
    signedUrlTtlMs: options.signedUrlTtlMs ?? 15 * 60_000,
    sipNumbers: normaliseSipNumbers(options.sipNumbers),
    conversationInitWebhook: options.conversationInitWebhook ?? null,
    initWebhookTimeoutMs: options.initWebhookTimeoutMs ?? 3_000,
    initWebhookFailure: options.initWebhookFailure ?? 'start-default',
  };
}

export function createState(options: ElevenLabsSandboxOptions): SandboxState {
  const random = options.random ?? Math.random;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const deliveries: WebhookDeliveryRecord[] = [];
  return {
    apiKey: options.apiKey ?? 'sandbox-api-key',
    config: initialConfig(options),
    webhook: { url: options.webhookUrl, secret: options.webhookSecret, retry: { delaysMs: [200, 1_000, 5_000], timeoutMs: 5_000, ...options.webhookRetry } },
    voices: new VoiceStore([...PREMADE_VOICES, ...(options.premadeVoices ?? [])]),
    agents: new AgentStore(options.agents),
    conversations: new Map(),
    signedUrls: new SignedUrlStore(),
    failures: new FailureInjector(SANDBOX_ENDPOINTS, random, options.failures),
    conversationFaults: new FailureInjector(CONVERSATION_CHANNELS, random, options.conversationFaults),
    initWebhookCalls: [],
    requests: [],
    deliveries,
    sender: new WebhookSender((record) => {
      deliveries.push(record);
      events.emit('delivery', record);
    }),
    lifecycle: new Lifecycle(),
    events,
    random,
    wsBaseUrl: '',
  };
}

/** The SIP-trunk numbers assigned to an agent. */
export function agentPhoneNumbers(state: SandboxState, agentId: string): { phoneNumber: string; phoneNumberId: string }[] {
  return [...state.config.sipNumbers].filter(([, n]) => n.agentId === agentId).map(([phoneNumber, n]) => ({ phoneNumber, phoneNumberId: n.phoneNumberId }));
}
