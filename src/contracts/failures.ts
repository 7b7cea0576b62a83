// Failure types (Temporal ApplicationFailure `type`, = the error class `name`) and whether a retry
// can fix them: the one source of truth for retry policies. Integrations name their error classes
// from these lists; workflows pass NON_RETRYABLE_FAILURE_TYPES to every retry policy.

export const ELEVENLABS_FAILURES = {
  rateLimit: { type: 'ElevenLabsRateLimitError', retryable: true },
  server: { type: 'ElevenLabsServerError', retryable: true },
  network: { type: 'ElevenLabsNetworkError', retryable: true },
  timeout: { type: 'ElevenLabsTimeoutError', retryable: true },
  aborted: { type: 'ElevenLabsAbortedError', retryable: false },
  auth: { type: 'ElevenLabsAuthError', retryable: false },
  quotaExceeded: { type: 'ElevenLabsQuotaExceededError', retryable: false },
  voiceLimitReached: { type: 'ElevenLabsVoiceLimitReachedError', retryable: false },
  notFound: { type: 'ElevenLabsNotFoundError', retryable: false },
  validation: { type: 'ElevenLabsValidationError', retryable: false },
  badRequest: { type: 'ElevenLabsBadRequestError', retryable: false },
  unexpectedResponse: { type: 'ElevenLabsUnexpectedResponseError', retryable: false },
} as const;

export const STORAGE_FAILURES = {
  sampleRejected: { type: 'VoiceSampleRejectedError', retryable: false },
  sampleNotFound: { type: 'VoiceSampleNotFoundError', retryable: false },
  pathRefused: { type: 'StoragePathRefusedError', retryable: false },
  request: { type: 'StorageRequestError', retryable: false },
  unavailable: { type: 'StorageUnavailableError', retryable: true },
} as const;

export const THREECX_FAILURES = {
  /** 401/403 with a fresh token, or an unknown client: configuration, not luck. */
  auth: { type: 'ThreeCxAuthError', retryable: false },
  /** 403/404 on a participant: it is gone (the caller hung up, or the leg was replaced). */
  participantGone: { type: 'ThreeCxParticipantGoneError', retryable: false },
  /** 5xx, timeouts, refused connections. */
  unavailable: { type: 'ThreeCxUnavailableError', retryable: true },
  /** Any other 4xx. */
  badRequest: { type: 'ThreeCxBadRequestError', retryable: false },
} as const;

/** Failures our activities raise themselves. */
export const CALL_FAILURES = {
  /** The caller has no voice sample registered. */
  noVoiceSample: { type: 'NoVoiceSampleError', retryable: false },
  /** Consent to clone the caller's voice is not recorded (REQUIRE_CLONE_CONSENT). */
  noCloneConsent: { type: 'NoCloneConsentError', retryable: false },
  /** The caller left the route point (hung up, or the leg was replaced) before the step could act. */
  callerGone: { type: 'CallerGoneError', retryable: false },
  /** A webhook announced a call that never reached the gateway's route point. */
  notOnRoutePoint: { type: 'NotOnRoutePointError', retryable: false },
  /** The agent refused the conversation, or never spoke within the connect timeout. */
  agentUnavailable: { type: 'AgentUnavailableError', retryable: true },
  /** ElevenLabs refuses this conversation for good (an override not allowed, an unknown agent). */
  agentRefused: { type: 'AgentRefusedError', retryable: false },
} as const;

type FailureTable = Record<string, { type: string; retryable: boolean }>;
const nonRetryable = (table: FailureTable) =>
  Object.values(table)
    .filter((f) => !f.retryable)
    .map((f) => f.type);

export const NON_RETRYABLE_FAILURE_TYPES: string[] = [
  ...nonRetryable(ELEVENLABS_FAILURES),
  ...nonRetryable(STORAGE_FAILURES),
  ...nonRetryable(THREECX_FAILURES),
  ...nonRetryable(CALL_FAILURES),
];
