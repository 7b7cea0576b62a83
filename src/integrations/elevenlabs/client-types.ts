import type { Dispatcher } from 'undici';
import type { TransportFailureKind, TransportMethod } from './http-transport';
import type { ConversationStatus, ConversationWire, SubscriptionWire, VoiceWire } from './schemas';

/** Options and results of ElevenLabsClient. */

export interface ElevenLabsClientOptions {
  /** e.g. `https://api.elevenlabs.io` or the sandbox URL. */
  baseUrl: string;
  apiKey: string;
  /**
   * Deadline per request from the moment it is written on a connected socket until the full
   * response has arrived. Waiting for a connection is bounded by queueTimeoutMs instead. Default 15 s.
   */
  requestTimeoutMs?: number;
  /** Same, for POST /v1/voices/add, which uploads audio and waits for processing. Default 120 s. */
  cloneTimeoutMs?: number;
  /** Deadline for healthCheck(), applied to the connection wait and to the exchange. Default 3 s. */
  healthCheckTimeoutMs?: number;
  /**
   * Longest wait for a pooled connection (queue plus connect) before a request is given up unsent
   * (a timeout the server never saw). Default 5 s: queue wait plus requestTimeoutMs must stay
   * inside the activities' heartbeat timeout, or Temporal gives up on an attempt that is still running.
   */
  queueTimeoutMs?: number;
  /**
   * Keep-alive connections per origin for every request except voice uploads. Default 100, the
   * worker's activity concurrency (the Temporal SDK default), so no activity queues behind another
   * for a socket; too few made requests time out while queued under load.
   */
  connections?: number;
  /**
   * Keep-alive connections per origin for POST /v1/voices/add only. Default 100. Uploads hold a
   * connection 5–30 s each, so they get a pool of their own and can never starve speech synthesis,
   * conversation polls or voice lookups.
   */
  uploadConnections?: number;
  /** Use this dispatcher (e.g. undici MockAgent) for all requests instead of the two owned keep-alive pools; close() leaves it open. */
  dispatcher?: Dispatcher;
  /** Told about every exchange, failed ones included (metrics). What it throws is ignored. */
  onRequest?: (event: ElevenLabsRequestEvent) => void;
}

/** One exchange with ElevenLabs, as reported to `onRequest`. */
export interface ElevenLabsRequestEvent {
  method: TransportMethod;
  /** The path without query string and with ids replaced, e.g. `/v1/voices/{voice_id}`. */
  endpoint: string;
  /** HTTP status; null when no response arrived. */
  status: number | null;
  durationMs: number;
  /** Why no response arrived; null when one did. */
  failure: TransportFailureKind | null;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface VoiceCloneResult {
  voiceId: string;
  requiresVerification: boolean;
}

export interface VoiceInfo {
  voiceId: string;
  name: string;
  category: string;
  description: string | null;
  labels: Record<string, string>;
  sampleCount: number;
  createdAtUnix: number | null;
  raw: VoiceWire;
}

/** One entry of GET /v1/voices (listVoices). */
export interface ListedVoice {
  voiceId: string;
  name: string;
  /** `cloned`, `premade`, `professional`, `generated`, … */
  category: string;
  /** Labels with a null value are dropped. */
  labels: Record<string, string>;
  description: string | null;
  createdAtUnix: number | null;
  /** The voice's samples as ElevenLabs stored them (empty for premade voices). */
  samples: { sizeBytes: number | null; durationSeconds: number | null }[];
}

export interface ListVoicesOptions extends RequestOptions {
  /** `show_legacy`: include legacy premade voices. Omitted (API default false) unless set. */
  showLegacy?: boolean;
}

export interface SubscriptionInfo {
  tier: string;
  status: string;
  voiceSlotsUsed: number;
  voiceLimit: number;
  canUseInstantVoiceCloning: boolean;
  voiceAddEditCounter: number | null;
  maxVoiceAddEdits: number | null;
  raw: SubscriptionWire;
}

export interface TranscriptTurn {
  role: 'user' | 'agent';
  message: string | null;
  timeInCallSecs: number;
}

export interface ConversationInfo {
  conversationId: string;
  agentId: string;
  status: ConversationStatus;
  /** `user_id` as sent in conversation_initiation_client_data (our call id). */
  userId: string | null;
  startTimeUnixSecs: number;
  callDurationSecs: number;
  terminationReason: string | null;
  callSuccessful: 'success' | 'failure' | 'unknown' | null;
  transcript: TranscriptTurn[];
  raw: ConversationWire;
}

export interface ListConversationsParams extends RequestOptions {
  agentId?: string;
  userId?: string;
  callStartAfterUnix?: number;
  callStartBeforeUnix?: number;
  pageSize?: number;
  cursor?: string;
}

export interface ConversationSummary {
  conversationId: string;
  agentId: string;
  status: ConversationStatus;
  startTimeUnixSecs: number;
  callDurationSecs: number;
  messageCount: number;
  direction: 'inbound' | 'outbound' | null;
}

export interface ConversationsPage {
  conversations: ConversationSummary[];
  nextCursor: string | null;
  hasMore: boolean;
}

export interface HealthCheckResult {
  ok: boolean;
  latencyMs: number;
  status?: number;
  error?: string;
}
