import { z } from 'zod';
import { AGENT_AUDIO_FORMATS } from './agents/settings';
import { normaliseSipNumbers, type SandboxState } from './state';
import type { ConversationFaultSpec, ElevenLabsSandboxOptions, FailureSpec } from './types';

export type SandboxRuntimeConfig = Partial<
  Pick<
    ElevenLabsSandboxOptions,
    | 'cloneLatencyMs'
    | 'apiLatencyMs'
    | 'ttsLatencyMs'
    | 'voiceLimit'
    | 'acceptAnyPremadeVoiceId'
    | 'agents'
    | 'agentFirstAudioLatencyMs'
    | 'callDurationMs'
    | 'analysisDurationMs'
    | 'pingIntervalMs'
    | 'overrideRefusal'
    | 'signedUrlTtlMs'
    | 'sipNumbers'
    | 'conversationInitWebhook'
    | 'initWebhookTimeoutMs'
    | 'initWebhookFailure'
    | 'webhookUrl'
    | 'webhookSecret'
    | 'webhookRetry'
  >
>;

const latency = z.union([z.number().nonnegative(), z.object({ min: z.number().nonnegative(), max: z.number().nonnegative() })]);
const audioFormat = z.enum(AGENT_AUDIO_FORMATS);
const agentSettings = z
  .object({
    name: z.string(),
    voiceId: z.string(),
    firstMessage: z.string(),
    language: z.string(),
    userInputAudioFormat: audioFormat,
    agentOutputAudioFormat: audioFormat,
    overrides: z.object({ voiceId: z.boolean(), firstMessage: z.boolean(), language: z.boolean(), prompt: z.boolean() }).partial(),
    enableInitiationWebhook: z.boolean(),
    initiationWebhook: z.object({ url: z.url(), headers: z.record(z.string(), z.string()) }).nullable(),
    postCallWebhookId: z.string().nullable(),
    requireSignedUrl: z.boolean(),
  })
  .partial();

export const runtimeConfigSchema = z.object({
  cloneLatencyMs: latency.optional(),
  apiLatencyMs: latency.optional(),
  ttsLatencyMs: latency.optional(),
  voiceLimit: z.number().int().nonnegative().optional(),
  acceptAnyPremadeVoiceId: z.boolean().optional(),
  agents: z.record(z.string(), agentSettings).optional(),
  agentFirstAudioLatencyMs: latency.optional(),
  callDurationMs: latency.optional(),
  analysisDurationMs: latency.optional(),
  pingIntervalMs: z.number().positive().optional(),
  overrideRefusal: z.enum(['after-metadata', 'before-metadata']).optional(),
  signedUrlTtlMs: z.number().nonnegative().optional(),
  sipNumbers: z.record(z.string(), z.union([z.string(), z.object({ agentId: z.string(), phoneNumberId: z.string().optional() })])).optional(),
  conversationInitWebhook: z.object({ url: z.url(), headers: z.record(z.string(), z.string()).optional() }).nullable().optional(),
  initWebhookTimeoutMs: z.number().positive().optional(),
  initWebhookFailure: z.enum(['start-default', 'reject']).optional(),
  webhookUrl: z.url().optional(),
  webhookSecret: z.string().min(1).optional(),
  webhookRetry: z.object({ delaysMs: z.array(z.number().nonnegative()).optional(), timeoutMs: z.number().positive().optional() }).optional(),
}) satisfies z.ZodType<SandboxRuntimeConfig>;

export const failureSpecSchema = z.object({
  kind: z.enum(['429', 'system_busy', '500', 'timeout', 'reset', 'voice_limit_reached', 'invalid_api_key', 'quota_exceeded']),
  times: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).optional(),
  retryAfter: z.string().optional(),
  applyEffect: z.boolean().optional(),
}) satisfies z.ZodType<FailureSpec>;

export const conversationFaultSchema = z.object({
  kind: z.enum(['refuse', 'drop', 'close-1011', 'no-audio', 'slow-first-audio']),
  times: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).optional(),
  status: z.number().int().min(300).max(699).optional(),
  afterMs: z.number().nonnegative().optional(),
  delayMs: z.number().nonnegative().optional(),
}) satisfies z.ZodType<ConversationFaultSpec>;

type ConfigKey = Exclude<keyof SandboxRuntimeConfig, 'agents' | 'sipNumbers' | 'conversationInitWebhook' | 'webhookUrl' | 'webhookSecret' | 'webhookRetry'>;
const PLAIN_KEYS: ConfigKey[] = [
  'cloneLatencyMs',
  'apiLatencyMs',
  'ttsLatencyMs',
  'voiceLimit',
  'acceptAnyPremadeVoiceId',
  'agentFirstAudioLatencyMs',
  'callDurationMs',
  'analysisDurationMs',
  'pingIntervalMs',
  'overrideRefusal',
  'signedUrlTtlMs',
  'initWebhookTimeoutMs',
  'initWebhookFailure',
];

export function applyRuntimeConfig(state: SandboxState, patch: SandboxRuntimeConfig): void {
  const config = state.config as unknown as Record<ConfigKey, unknown>;
  for (const key of PLAIN_KEYS) if (patch[key] !== undefined) config[key] = patch[key];
  for (const [agentId, settings] of Object.entries(patch.agents ?? {})) state.agents.configure(agentId, settings);
  if (patch.sipNumbers !== undefined) state.config.sipNumbers = normaliseSipNumbers(patch.sipNumbers);
  if (patch.conversationInitWebhook !== undefined) state.config.conversationInitWebhook = patch.conversationInitWebhook;
  if (patch.webhookUrl !== undefined) state.webhook.url = patch.webhookUrl;
  if (patch.webhookSecret !== undefined) state.webhook.secret = patch.webhookSecret;
  if (patch.webhookRetry !== undefined) state.webhook.retry = { ...state.webhook.retry, ...patch.webhookRetry };
}
