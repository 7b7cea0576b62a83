import type { AgentAudioFormat, SandboxAgentPatch } from './agents/settings';

/** A fixed delay or a uniform random range, in milliseconds. */
export type LatencyRange = number | { min: number; max: number };

/** HTTP endpoints, each with its own failure injection. */
export const SANDBOX_ENDPOINTS = [
  'voices.add',
  'voices.delete',
  'voices.get',
  'voices.list',
  'subscription',
  'tts',
  'tts.stream',
  'agents.get',
  'signedUrl',
  'conversations.get',
  'conversations.list',
] as const;
export type SandboxEndpoint = (typeof SANDBOX_ENDPOINTS)[number];
/** The Agents WebSocket upgrade, recorded in the request log like an HTTP request. */
export type SocketEndpoint = 'convai.conversation';

export type FailureKind =
  | '429'
  | 'system_busy'
  | '500'
  | 'timeout'
  | 'reset'
  | 'voice_limit_reached'
  | 'invalid_api_key'
  | 'quota_exceeded';

export interface FailureSpec {
  kind: FailureKind;
  /** Inject this many times, then recover. Unlimited when omitted. */
  times?: number;
  /** Inject with this probability (0..1) per matching request. Always when omitted. */
  probability?: number;
  /** For '429' / 'system_busy': send `Retry-After` with this value (seconds or an HTTP-date). */
  retryAfter?: string;
  /** For '500' / 'timeout' / 'reset': perform the operation (e.g. create the voice) before failing the response, as a real backend can. Default false. */
  applyEffect?: boolean;
}

/** How a conversation reaches the agent: the Agents WebSocket or an inbound SIP call. */
export type ConversationChannel = 'websocket' | 'sip';

export type ConversationFaultKind =
  /** WebSocket: the upgrade is answered with an HTTP error. SIP: the INVITE is rejected. */
  | 'refuse'
  /** The connection dies without a close frame (WebSocket 1006; SIP: the call just ends). */
  | 'drop'
  /** WebSocket close 1011 (internal error); SIP: the call ends. */
  | 'close-1011'
  /** The agent never sends audio (the conversation otherwise runs). */
  | 'no-audio'
  /** The first agent audio comes `delayMs` late. */
  | 'slow-first-audio';

export interface ConversationFaultSpec {
  kind: ConversationFaultKind;
  times?: number;
  probability?: number;
  /** 'refuse': HTTP status of the refused upgrade, or SIP status. Default 503. */
  status?: number;
  /** 'drop' / 'close-1011': ms after the conversation starts. Default 1000. */
  afterMs?: number;
  /** 'slow-first-audio': extra delay before the first agent audio. Default 5000. */
  delayMs?: number;
}

export interface WebhookRetryOptions {
  /** Delays before each retry; the number of entries is the number of retries. */
  delaysMs: number[];
  /** Per-attempt timeout. */
  timeoutMs: number;
}

/** A number imported into the sandbox as a SIP-trunk phone number, assigned to one agent. */
export type SipNumberTarget = string | { agentId: string; phoneNumberId?: string };

/** The workspace's conversation-initiation ("pre-call") webhook [SPEC ConversationInitiationClientDataWebhook]. */
export interface InitWebhookTarget {
  url: string;
  /** Sent as they are: the webhook is not signed ([ELD] twilio-personalization "Security"). */
  headers?: Record<string, string>;
}

/** UNCONFIRMED: whether a refused override closes the socket before or after conversation_initiation_metadata. */
export type OverrideRefusal = 'after-metadata' | 'before-metadata';
/** UNCONFIRMED: what the platform does when the pre-call webhook fails (non-200, timeout, bad JSON). */
export type InitWebhookFailureMode = 'start-default' | 'reject';

export interface ElevenLabsSandboxOptions {
  /** 0 (default) picks a random free port. */
  port?: number;
  host?: string;
  /** Requests whose xi-api-key differs get 401 invalid_api_key. Default 'sandbox-api-key'. */
  apiKey?: string;
  /** POST /v1/voices/add processing time. Default 5000–30000 ms. */
  cloneLatencyMs?: LatencyRange;
  /** Other HTTP endpoints. Default 5–40 ms. */
  apiLatencyMs?: LatencyRange;
  /** Text-to-speech time to first byte. Default 100–300 ms. */
  ttsLatencyMs?: LatencyRange;
  /** Custom voice slots. Default 10. */
  voiceLimit?: number;
  /** Extra premade voices (besides Rachel, 21m00Tcm4TlvDq8ikWAM). */
  premadeVoices?: { voiceId: string; name: string }[];
  /** Treat any never-cloned 20-character alphanumeric id as a premade voice. Default false. */
  acceptAnyPremadeVoiceId?: boolean;
  /** Agents by id. Default: one well-configured agent, `agent_sandbox`. */
  agents?: Record<string, SandboxAgentPatch>;
  /** Conversation start → first agent audio. Default 300–700 ms. */
  agentFirstAudioLatencyMs?: LatencyRange;
  /** Conversation length; then the agent ends it (WebSocket close 1000 / SIP BYE). Default 20000 ms. */
  callDurationMs?: LatencyRange;
  /** Conversation end → status done and the post_call_transcription webhook. Default 1000 ms. */
  analysisDurationMs?: LatencyRange;
  /** Agents WebSocket ping interval. Default 2000 ms. */
  pingIntervalMs?: number;
  /** UNCONFIRMED reading of override refusal. Default 'after-metadata'. */
  overrideRefusal?: OverrideRefusal;
  /** Signed URL lifetime. Default 15 min ([ELD] customization/authentication.mdx). */
  signedUrlTtlMs?: number;
  /** SIP-trunk numbers: E.164 number → agent id (or agent id and phone number id). */
  sipNumbers?: Record<string, SipNumberTarget>;
  conversationInitWebhook?: InitWebhookTarget | null;
  /** UNCONFIRMED. Default 3000 ms. */
  initWebhookTimeoutMs?: number;
  /** UNCONFIRMED. Default 'start-default'. */
  initWebhookFailure?: InitWebhookFailureMode;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Default: 3 retries after 200/1000/5000 ms (ElevenLabs' retry mode, time-compressed), 5 s per attempt. */
  webhookRetry?: Partial<WebhookRetryOptions>;
  failures?: Partial<Record<SandboxEndpoint, FailureSpec>>;
  conversationFaults?: Partial<Record<ConversationChannel, ConversationFaultSpec>>;
  /** Serve /_sandbox/* control routes (requests log, failures, reset). Default true. */
  controlRoutes?: boolean;
  /** Random source for latencies and probabilities. Default Math.random. */
  random?: () => number;
}

export interface MultipartSummary {
  fieldNames: string[];
  fields: Record<string, string[]>;
  files: { field: string; fileName: string; contentType: string; sizeBytes: number }[];
}

export interface SandboxRequestRecord {
  id: number;
  method: string;
  path: string;
  query: Record<string, string>;
  endpoint: SandboxEndpoint | SocketEndpoint | 'control' | 'unknown';
  /** Epoch milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()). */
  receivedAt: number;
  /** Client socket port: equal values mean a reused keep-alive connection. */
  remotePort: number | undefined;
  apiKeyValid: boolean;
  contentType: string | undefined;
  bodyBytes: number;
  json?: unknown;
  multipart?: MultipartSummary;
  injectedFailure?: FailureKind | ConversationFaultKind;
  status?: number;
  /** JSON bodies only; audio responses record `responseBytes`. */
  responseJson?: unknown;
  responseBytes?: number;
  responseHeaders?: Record<string, string>;
  respondedAt?: number;
  /** The client went away before a response was written. */
  clientAborted?: boolean;
  closedAt?: number;
}

export interface WebhookDeliveryRecord {
  id: number;
  type: 'post_call_transcription';
  conversationId: string;
  attempt: number;
  url: string;
  signatureHeader: string;
  rawBody: string;
  sentAt: number;
  respondedAt?: number;
  status?: number;
  error?: string;
  /** 2xx received. */
  delivered: boolean;
}

/** One call of the conversation-initiation webhook made for an inbound SIP call. */
export interface InitWebhookCallRecord {
  id: number;
  conversationId: string;
  agentId: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: Record<string, string>;
  sentAt: number;
  respondedAt?: number;
  latencyMs?: number;
  status?: number;
  responseBody?: string;
  /** Network error or timeout. */
  error?: string;
  /** Why the answer could not be used (non-200, timeout, not a JSON object). */
  failureReason?: string;
  /** What the platform did with the answer. */
  outcome: 'pending' | 'used' | 'failed-started-default' | 'failed-rejected' | 'override-refused';
}

export type { AgentAudioFormat };
