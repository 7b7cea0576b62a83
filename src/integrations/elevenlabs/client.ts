import { type Dispatcher, Pool } from 'undici';
import type { z } from 'zod';
import { agentSchema, type AgentSettings, signedUrlSchema, toAgentSettings } from './agent-settings';
import { agentSocketUrl } from './agent-socket';
import { errorFromResponse } from './error-mapping';
import { type ElevenLabsError, elevenLabsError } from './errors';
import {
  HttpTransport,
  type TransportMethod,
  type TransportRequest,
  type TransportResponse,
  type TransportResult,
} from './http-transport';
import type {
  ConversationInfo,
  ConversationsPage,
  ElevenLabsClientOptions,
  HealthCheckResult,
  ListConversationsParams,
  ListedVoice,
  ListVoicesOptions,
  RequestOptions,
  SubscriptionInfo,
  VoiceCloneResult,
  VoiceInfo,
} from './client-types';
import { addVoiceResponseSchema, conversationSchema, conversationsPageSchema, deleteVoiceResponseSchema, subscriptionSchema, voiceSchema, voicesListSchema } from './schemas';
import { buildTextToSpeechRequest, type TextToSpeechParams } from './text-to-speech';
import { buildVoiceCloneForm, type CreateVoiceCloneParams } from './voice-clone-form';

export type * from './client-types';

const USER_AGENT = 'voiceclone-precall/0.1 (+undici)';

const ID_PATHS: [RegExp, string][] = [
  [/^\/v1\/voices\/(?!add$)[^/]+$/, '/v1/voices/{voice_id}'],
  [/^\/v1\/convai\/conversations\/[^/]+$/, '/v1/convai/conversations/{conversation_id}'],
  [/^\/v1\/text-to-speech\/[^/]+$/, '/v1/text-to-speech/{voice_id}'],
  [/^\/v1\/convai\/agents\/[^/]+$/, '/v1/convai/agents/{agent_id}'],
];

/** Keeps metric labels bounded: no query strings, no voice, conversation or agent ids. */
export function endpointPattern(path: string): string {
  const bare = path.split('?', 1)[0]!;
  return ID_PATHS.find(([re]) => re.test(bare))?.[1] ?? bare;
}

function describeTransportFailure(method: string, path: string, result: Extract<TransportResult, { ok: false }>): string {
  let reason = result.cause instanceof Error ? result.cause.message : String(result.cause);
  if (result.kind === 'timeout') {
    reason = result.requestStarted
      ? `timed out after ${result.deadlineMs} ms`
      : `waited ${result.deadlineMs} ms for a connection; the request was not sent`;
  }
  return `ElevenLabs ${method} ${path} ${result.kind === 'network' ? 'network error' : result.kind}${result.code ? ` (${result.code})` : ''}: ${reason}`;
}

/**
 * HTTP client for the ElevenLabs endpoints the pre-call flow needs. Never retries: every failure
 * is thrown as a typed error (see errors.ts) and the Temporal retry policy decides.
 */
export class ElevenLabsClient {
  /** Every request except voice uploads. */
  private readonly transport: HttpTransport;
  /** POST /v1/voices/add only. */
  private readonly uploadTransport: HttpTransport;
  private readonly ownedPools: Pool[] = [];
  private readonly requestTimeoutMs: number;
  private readonly cloneTimeoutMs: number;
  private readonly healthCheckTimeoutMs: number;
  private readonly queueTimeoutMs: number;
  private readonly onRequest: ElevenLabsClientOptions['onRequest'];
  private readonly baseUrl: string;

  constructor(options: ElevenLabsClientOptions) {
    this.baseUrl = options.baseUrl;
    this.onRequest = options.onRequest;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.cloneTimeoutMs = options.cloneTimeoutMs ?? 120_000;
    this.healthCheckTimeoutMs = options.healthCheckTimeoutMs ?? 3_000;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 5_000;
    const transport = (dispatcher: Dispatcher): HttpTransport =>
      new HttpTransport({ baseUrl: options.baseUrl, apiKey: options.apiKey, dispatcher, userAgent: USER_AGENT });
    if (options.dispatcher === undefined) {
      const origin = new URL(options.baseUrl).origin;
      this.transport = transport(this.ownPool(origin, options.connections ?? 100));
      this.uploadTransport = transport(this.ownPool(origin, options.uploadConnections ?? 100));
    } else {
      this.transport = transport(options.dispatcher);
      this.uploadTransport = this.transport;
    }
  }

  /**
   * A Pool for the one origin rather than an Agent: undici 7's Agent closes an origin's pool when
   * its open connections drop to zero, and a late disconnect from the closed pool is then counted
   * against (and closes) its replacement, so after one aborted request every later request opened
   * a fresh connection (seen with undici 7.30).
   */
  private ownPool(origin: string, connections: number): Pool {
    // The API runs behind uvicorn (5 s keep-alive); idle sockets are dropped before the server does it.
    const pool = new Pool(origin, {
      connections,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
      connect: { timeout: 5_000 },
    });
    this.ownedPools.push(pool);
    return pool;
  }

  /** POST /v1/voices/add (Instant Voice Clone). */
  async createVoiceClone(params: CreateVoiceCloneParams): Promise<VoiceCloneResult> {
    const form = buildVoiceCloneForm(params);
    const data = await this.call(
      addVoiceResponseSchema,
      {
        method: 'POST',
        path: '/v1/voices/add',
        form,
        timeoutMs: params.timeoutMs ?? this.cloneTimeoutMs,
        queueTimeoutMs: this.queueTimeoutMs,
        signal: params.signal,
      },
      this.uploadTransport,
    );
    return { voiceId: data.voice_id, requiresVerification: data.requires_verification };
  }

  /** DELETE /v1/voices/{voice_id}. An unknown voice throws ElevenLabsNotFoundError. */
  async deleteVoice(voiceId: string, options: RequestOptions = {}): Promise<void> {
    await this.call(deleteVoiceResponseSchema, {
      method: 'DELETE',
      path: `/v1/voices/${encodeURIComponent(voiceId)}`,
      ...this.requestOptions(options),
    });
  }

  /** GET /v1/voices/{voice_id}. */
  async getVoice(voiceId: string, options: RequestOptions = {}): Promise<VoiceInfo> {
    const raw = await this.call(voiceSchema, {
      method: 'GET',
      path: `/v1/voices/${encodeURIComponent(voiceId)}`,
      ...this.requestOptions(options),
    });
    return {
      voiceId: raw.voice_id,
      name: raw.name,
      category: raw.category,
      description: raw.description ?? null,
      labels: raw.labels ?? {},
      sampleCount: raw.samples?.length ?? 0,
      createdAtUnix: raw.created_at_unix ?? null,
      raw,
    };
  }

  /**
   * GET /v1/voices: every voice of the account (premade and our clones, with their labels). The
   * endpoint is not paginated; an account holds at most voice_limit custom voices.
   */
  async listVoices(options: ListVoicesOptions = {}): Promise<ListedVoice[]> {
    const qs = options.showLegacy === undefined ? '' : `?show_legacy=${String(options.showLegacy)}`;
    const raw = await this.call(voicesListSchema, { method: 'GET', path: `/v1/voices${qs}`, ...this.requestOptions(options) });
    return raw.voices.map((v) => ({
      voiceId: v.voice_id,
      name: v.name ?? '',
      category: v.category ?? 'unknown',
      labels: Object.fromEntries(Object.entries(v.labels ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
      description: v.description ?? null,
      createdAtUnix: v.created_at_unix ?? null,
      samples: (v.samples ?? []).map((s) => ({ sizeBytes: s.size_bytes ?? null, durationSeconds: s.duration_secs ?? null })),
    }));
  }

  /** GET /v1/user/subscription: voice slots and cloning permission. */
  async getSubscription(options: RequestOptions = {}): Promise<SubscriptionInfo> {
    const raw = await this.call(subscriptionSchema, { method: 'GET', path: '/v1/user/subscription', ...this.requestOptions(options) });
    return {
      tier: raw.tier,
      status: raw.status,
      voiceSlotsUsed: raw.voice_slots_used,
      voiceLimit: raw.voice_limit,
      canUseInstantVoiceCloning: raw.can_use_instant_voice_cloning,
      voiceAddEditCounter: raw.voice_add_edit_counter ?? null,
      maxVoiceAddEdits: raw.max_voice_add_edits ?? null,
      raw,
    };
  }

  /**
   * POST /v1/text-to-speech/{voice_id}?output_format=… [SPEC]: the whole clip as raw bytes in
   * `outputFormat` (default pcm_8000: s16le mono 8 kHz, no header).
   */
  async textToSpeech(params: TextToSpeechParams): Promise<Buffer> {
    const { path, json } = buildTextToSpeechRequest(params);
    const method: TransportMethod = 'POST';
    const response = await this.exchange({ method, path, json, accept: '*/*', ...this.requestOptions(params) });
    const contentType = headerText(response.headers['content-type']);
    if (response.body.length === 0 || contentType.startsWith('application/json')) {
      const what = `${response.body.length} bytes, ${contentType || 'no content type'}`;
      throw elevenLabsError('unexpectedResponse', `ElevenLabs ${method} ${path} returned ${response.status} without audio (${what})`, {
        status: response.status,
        method,
        path,
        apiMessage: response.body.toString('utf8').slice(0, 500),
      });
    }
    return response.body;
  }

  /** GET /v1/convai/agents/{agent_id}: what a start-up check needs to know about the agent. */
  async getAgent(agentId: string, options: RequestOptions = {}): Promise<AgentSettings> {
    const raw = await this.call(agentSchema, { method: 'GET', path: `/v1/convai/agents/${encodeURIComponent(agentId)}`, ...this.requestOptions(options) });
    return toAgentSettings(raw);
  }

  /** GET /v1/convai/conversation/get-signed-url: a short-lived WebSocket URL for a private agent (openAgentConversation). */
  async getSignedUrl(agentId: string, options: RequestOptions = {}): Promise<string> {
    const query = new URLSearchParams({ agent_id: agentId });
    const raw = await this.call(signedUrlSchema, { method: 'GET', path: `/v1/convai/conversation/get-signed-url?${query.toString()}`, ...this.requestOptions(options) });
    return raw.signed_url;
  }

  /** The Agents WebSocket URL of a public agent (no API key, no signed URL needed). */
  agentSocketUrl(agentId: string): string {
    return agentSocketUrl(this.baseUrl, agentId);
  }

  /** GET /v1/convai/conversations/{conversation_id}. */
  async getConversation(conversationId: string, options: RequestOptions = {}): Promise<ConversationInfo> {
    const raw = await this.call(conversationSchema, {
      method: 'GET',
      path: `/v1/convai/conversations/${encodeURIComponent(conversationId)}`,
      ...this.requestOptions(options),
    });
    return {
      conversationId: raw.conversation_id,
      agentId: raw.agent_id,
      status: raw.status,
      userId: raw.user_id ?? raw.conversation_initiation_client_data?.user_id ?? null,
      startTimeUnixSecs: raw.metadata.start_time_unix_secs,
      callDurationSecs: raw.metadata.call_duration_secs,
      terminationReason: raw.metadata.termination_reason ?? null,
      callSuccessful: raw.analysis?.call_successful ?? null,
      transcript: raw.transcript.map((t) => ({ role: t.role, message: t.message ?? null, timeInCallSecs: t.time_in_call_secs })),
      raw,
    };
  }

  /** GET /v1/convai/conversations filtered by agent_id / user_id / start time: finds a conversation whose post-call webhook never came. */
  async listConversations(params: ListConversationsParams = {}): Promise<ConversationsPage> {
    const query = new URLSearchParams();
    if (params.agentId !== undefined) query.set('agent_id', params.agentId);
    if (params.userId !== undefined) query.set('user_id', params.userId);
    if (params.callStartAfterUnix !== undefined) query.set('call_start_after_unix', String(Math.floor(params.callStartAfterUnix)));
    if (params.callStartBeforeUnix !== undefined) query.set('call_start_before_unix', String(Math.floor(params.callStartBeforeUnix)));
    if (params.pageSize !== undefined) query.set('page_size', String(params.pageSize));
    if (params.cursor !== undefined) query.set('cursor', params.cursor);
    const qs = query.toString();
    const raw = await this.call(conversationsPageSchema, {
      method: 'GET',
      path: `/v1/convai/conversations${qs === '' ? '' : `?${qs}`}`,
      ...this.requestOptions(params),
    });
    return {
      conversations: raw.conversations.map((c) => ({
        conversationId: c.conversation_id,
        agentId: c.agent_id,
        status: c.status,
        startTimeUnixSecs: c.start_time_unix_secs,
        callDurationSecs: c.call_duration_secs,
        messageCount: c.message_count,
        direction: c.direction ?? null,
      })),
      nextCursor: raw.next_cursor ?? null,
      hasMore: raw.has_more,
    };
  }

  /** Cheap authenticated GET (/v1/user/subscription) with a short deadline. Never throws. */
  async healthCheck(options: RequestOptions = {}): Promise<HealthCheckResult> {
    const method: TransportMethod = 'GET';
    const path = '/v1/user/subscription';
    const timeoutMs = options.timeoutMs ?? this.healthCheckTimeoutMs;
    // A probe that cannot even get a connection within its deadline has its answer.
    const result = await this.send({ method, path, timeoutMs, queueTimeoutMs: Math.min(timeoutMs, this.queueTimeoutMs), signal: options.signal });
    const latencyMs = Math.round(result.latencyMs * 10) / 10;
    if (!result.ok) return { ok: false, latencyMs, error: describeTransportFailure(method, path, result) };
    const { status } = result.response;
    if (status >= 200 && status < 300) return { ok: true, latencyMs, status };
    const error = errorFromResponse({ status, headers: result.response.headers, bodyText: result.response.body.toString('utf8'), method, path });
    return { ok: false, latencyMs, status, error: `${error.name}: ${error.message}` };
  }

  /** Closes the owned keep-alive pools; an injected dispatcher is left to its owner. */
  async close(): Promise<void> {
    await Promise.all(this.ownedPools.map((pool) => pool.close()));
  }

  private async send(req: TransportRequest, transport: HttpTransport = this.transport): Promise<TransportResult> {
    const result = await transport.send(req);
    if (this.onRequest) {
      try {
        this.onRequest({
          method: req.method,
          endpoint: endpointPattern(req.path),
          status: result.ok ? result.response.status : null,
          durationMs: result.latencyMs,
          failure: result.ok ? null : result.kind,
        });
      } catch {
        // An observer never breaks a request.
      }
    }
    return result;
  }

  private requestOptions(options: RequestOptions): Pick<TransportRequest, 'timeoutMs' | 'queueTimeoutMs' | 'signal'> {
    return { timeoutMs: options.timeoutMs ?? this.requestTimeoutMs, queueTimeoutMs: this.queueTimeoutMs, signal: options.signal };
  }

  private async call<S extends z.ZodType>(schema: S, req: TransportRequest, transport: HttpTransport = this.transport): Promise<z.infer<S>> {
    const { status, body } = await this.exchange(req, transport);
    const bodyText = body.toString('utf8');
    const parsed = schema.safeParse(safeJson(bodyText));
    if (!parsed.success) {
      throw elevenLabsError('unexpectedResponse', `ElevenLabs ${req.method} ${req.path} returned ${status} with an unexpected body: ${parsed.error.message}`, {
        status,
        method: req.method,
        path: req.path,
        apiMessage: bodyText.slice(0, 500),
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** A 2xx response, or the typed error for what happened instead. */
  private async exchange(req: TransportRequest, transport: HttpTransport = this.transport): Promise<TransportResponse> {
    const result = await this.send(req, transport);
    if (!result.ok) throw this.transportError(req.method, req.path, result);
    const { status, headers, body } = result.response;
    if (status < 200 || status >= 300) throw errorFromResponse({ status, headers, bodyText: body.toString('utf8'), method: req.method, path: req.path });
    return result.response;
  }

  private transportError(method: string, path: string, result: Extract<TransportResult, { ok: false }>): ElevenLabsError {
    const message = describeTransportFailure(method, path, result);
    const init = { code: result.code, method, path, cause: result.cause };
    if (result.kind === 'timeout') return elevenLabsError('timeout', message, init);
    if (result.kind === 'aborted') return elevenLabsError('aborted', message, init);
    return elevenLabsError('network', message, init);
  }
}

function headerText(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() ?? '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
