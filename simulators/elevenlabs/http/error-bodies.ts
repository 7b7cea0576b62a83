/** Error bodies in the shapes the real API returns (elevenlabs-api.md §2.4, §5.2); codes marked UNCONFIRMED are sandbox choices. */

export interface SandboxResponse {
  status: number;
  json: unknown;
  headers?: Record<string, string>;
}

export interface ValidationIssueBody {
  loc: (string | number)[];
  msg: string;
  type: string;
}

const business = (status: number, code: string, message: string, headers?: Record<string, string>): SandboxResponse => ({
  status,
  json: { detail: { status: code, message } },
  headers,
});

export const errorBodies = {
  invalidApiKey: (): SandboxResponse => business(401, 'invalid_api_key', 'Invalid API key'),
  quotaExceeded: (): SandboxResponse =>
    business(401, 'quota_exceeded', 'This request exceeds your quota of 10000. You have 0 credits remaining, while 91 credits are required for this request.'),
  voiceLimitReached: (used: number, limit: number): SandboxResponse =>
    business(
      400,
      'voice_limit_reached',
      `You have reached your maximum amount of custom voices (${used} / ${limit}). You can upgrade your subscription to increase your custom voice limit.`,
    ),
  tooManyConcurrentRequests: (retryAfter?: string): SandboxResponse =>
    business(
      429,
      'too_many_concurrent_requests',
      'Too many concurrent requests. Your current subscription is associated with a maximum of 5 concurrent requests. Please upgrade your subscription to increase this limit.',
      retryAfter === undefined ? undefined : { 'retry-after': retryAfter },
    ),
  systemBusy: (retryAfter?: string): SandboxResponse =>
    business(
      429,
      'system_busy',
      'Our services are experiencing high levels of traffic and your request could not be processed. Please try again later.',
      retryAfter === undefined ? undefined : { 'retry-after': retryAfter },
    ),
  internal: (): SandboxResponse =>
    business(500, 'something_went_wrong', 'An internal error occurred while processing the request. You are not charged for this request.'),
  voiceNotFound: (voiceId: string): SandboxResponse => business(404, 'voice_not_found', `A voice with the voice_id ${voiceId} was not found.`),
  conversationNotFound: (conversationId: string): SandboxResponse =>
    business(404, 'conversation_not_found', `Conversation ${conversationId} was not found.`),
  permissionDenied: (message: string): SandboxResponse => business(403, 'permission_denied', message),
  /** UNCONFIRMED status code string. */
  agentNotFound: (agentId: string): SandboxResponse => business(404, 'agent_not_found', `Agent with id ${agentId} was not found.`),
  /** Sandbox-only: mp3/opus/alaw are valid [SPEC] formats the sandbox does not encode. */
  unsupportedOutputFormat: (format: string): SandboxResponse =>
    business(400, 'unsupported_output_format_in_sandbox', `The sandbox produces pcm_* and ulaw_8000 only, not ${format}.`),
  validation: (issues: ValidationIssueBody[]): SandboxResponse => ({ status: 422, json: { detail: issues } }),
  /** FastAPI's own plain-string bodies. */
  plain: (status: number, detail: string): SandboxResponse => ({ status, json: { detail } }),
};

export const issue = {
  missing: (loc: (string | number)[]): ValidationIssueBody => ({ loc, msg: 'Field required', type: 'missing' }),
  string: (loc: (string | number)[]): ValidationIssueBody => ({ loc, msg: 'Input should be a valid string', type: 'string_type' }),
  dict: (loc: (string | number)[]): ValidationIssueBody => ({ loc, msg: 'Input should be a valid dictionary', type: 'dict_type' }),
  bool: (loc: (string | number)[]): ValidationIssueBody => ({ loc, msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' }),
  int: (loc: (string | number)[]): ValidationIssueBody => ({ loc, msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' }),
  value: (loc: (string | number)[], msg: string): ValidationIssueBody => ({ loc, msg, type: 'value_error' }),
  jsonInvalid: (): ValidationIssueBody => ({ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }),
};
