/** A fixed delay or a uniform random range, in milliseconds. */
export type LatencyRange = number | { min: number; max: number };

export const SANDBOX_ENDPOINTS = [
  'voices.add',
  'voices.delete',
  'voices.get',
  'voices.list',
  'subscription',
  'outboundCall',
  'conversations.get',
  'conversations.list',
] as const;
export type SandboxEndpoint = (typeof SANDBOX_ENDPOINTS)[number];

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
  /**
   * For '500' / 'timeout' / 'reset': perform the operation (create the voice, place the call)
   * before failing the response, as a real backend can. Default false.
   */
  applyEffect?: boolean;
}

export type CallFailureReason = 'busy' | 'no-answer';

export interface WebhookRetryOptions {
  /** Delays before each retry; the number of entries is the number of retries. */
  delaysMs: number[];
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export interface ElevenLabsSandboxOptions {
  /** 0 (default) picks a random free port. */
  port?: number;
  host?: string;
  /** Requests whose xi-api-key differs get 401 invalid_api_key. Default 'sandbox-api-key'. */
  apiKey?: string;
  /** POST /v1/voices/add processing time. Default 5000–30000 ms. */
  cloneLatencyMs?: LatencyRange;
  /** Outbound-call POST response time. Default 300–1500 ms. */
  outboundCallLatencyMs?: LatencyRange;
  /** Other endpoints. Default 5–40 ms. */
  apiLatencyMs?: LatencyRange;
  /** Custom voice slots. Default 10. */
  voiceLimit?: number;
  /** initiated → in-progress (ringing). Default 2000 ms. */
  ringDurationMs?: LatencyRange;
  /** in-progress → processing (talking). Default 20000 ms. */
  callDurationMs?: LatencyRange;
  /** processing → done, then the post_call_transcription webhook. Default 1000 ms. */
  analysisDurationMs?: LatencyRange;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Default: 3 retries after 200/1000/5000 ms (ElevenLabs' retry mode, time-compressed), 5 s per attempt. */
  webhookRetry?: Partial<WebhookRetryOptions>;
  /** to_number values that never connect; a string array means 'busy'. */
  failNumbers?: string[] | Record<string, CallFailureReason>;
  failures?: Partial<Record<SandboxEndpoint, FailureSpec>>;
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
  endpoint: SandboxEndpoint | 'control' | 'unknown';
  /** Epoch milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()). */
  receivedAt: number;
  /** Client socket port: equal values mean a reused keep-alive connection. */
  remotePort: number | undefined;
  apiKeyValid: boolean;
  contentType: string | undefined;
  bodyBytes: number;
  json?: unknown;
  multipart?: MultipartSummary;
  injectedFailure?: FailureKind;
  status?: number;
  responseJson?: unknown;
  responseHeaders?: Record<string, string>;
  respondedAt?: number;
  /** The client went away before a response was written. */
  clientAborted?: boolean;
  closedAt?: number;
}

export interface WebhookDeliveryRecord {
  id: number;
  type: 'post_call_transcription' | 'call_initiation_failure';
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
