import { type Dispatcher, Pool } from 'undici';
import type { z } from 'zod';
import { errorFromResponse } from './error-mapping';
import {
  ElevenLabsAbortedError,
  type ElevenLabsError,
  ElevenLabsNetworkError,
  ElevenLabsOutcomeUnknownError,
  ElevenLabsServerError,
  ElevenLabsTimeoutError,
  ElevenLabsUnexpectedResponseError,
} from './errors';
import { HttpTransport, type TransportFailureKind, type TransportMethod, type TransportRequest, type TransportResult } from './http-transport';
import { buildOutboundCallBody, OUTBOUND_CALL_PATHS, type OutboundCallParams, type OutboundCallResult, parseOutboundCallResponse } from './outbound-call';
import {
  addVoiceResponseSchema,
  type ConversationStatus,
  conversationSchema,
  type ConversationWire,
  conversationsPageSchema,
  deleteVoiceResponseSchema,
  subscriptionSchema,
  type SubscriptionWire,
  voiceSchema,
  voicesListSchema,
  type VoiceWire,
} from './schemas';
import { buildVoiceCloneForm, type CreateVoiceCloneParams } from './voice-clone-form';

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
   * Longest wait for a pooled connection (queue plus connect) before a request is given up unsent:
   * a timeout with requestStarted=false, so an outbound call is known not to be placed. Default 5 s:
   * queue wait plus requestTimeoutMs must stay inside the agent calls' heartbeat timeout (20 s, see
   * src/workflows/activity-options.ts), or Temporal gives up on an attempt that is still running.
   */
  queueTimeoutMs?: number;
  /**
   * Keep-alive connections per origin for every request except voice uploads. Default 100, the
   * worker's activity concurrency (the Temporal SDK default), so no activity queues behind another
   * for a socket; too few made outbound calls and polls time out while queued under load.
   */
  connections?: number;
  /**
   * Keep-alive connections per origin for POST /v1/voices/add only. Default 100. Uploads hold a
   * connection 5–30 s each, so they get a pool of their own and can never starve outbound calls,
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

const USER_AGENT = 'voiceclone-precall/0.1 (+undici)';

const ID_PATHS: [RegExp, string][] = [
  [/^\/v1\/voices\/(?!add$)[^/]+$/, '/v1/voices/{voice_id}'],
  [/^\/v1\/convai\/conversations\/[^/]+$/, '/v1/convai/conversations/{conversation_id}'],
];

/** Keeps metric labels bounded: no query strings, no voice or conversation ids. */
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

  constructor(options: ElevenLabsClientOptions) {
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
   * POST /v1/convai/{sip-trunk|twilio}/outbound-call. Sent exactly once, never retried here.
   *
   * Any thrown error other than ElevenLabsOutcomeUnknownError means the call was NOT placed
   * (connection refused, DNS failure, queueTimeoutMs or caller abort before the request was
   * written, 429, 4xx).
   * ElevenLabsOutcomeUnknownError means it may have been placed (timeout or socket reset after
   * the request was written, 5xx, unreadable 2xx): reconcile with listConversations({ userId }).
   */
  async placeOutboundCall(params: OutboundCallParams): Promise<OutboundCallResult> {
    const body = buildOutboundCallBody(params);
    const method: TransportMethod = 'POST';
    const path = OUTBOUND_CALL_PATHS[params.telephony];
    const result = await this.send({
      method,
      path,
      json: body,
      timeoutMs: params.timeoutMs ?? this.requestTimeoutMs,
      queueTimeoutMs: this.queueTimeoutMs,
      signal: params.signal,
    });

    if (!result.ok) {
      if (!result.requestStarted) throw this.transportError(method, path, result);
      throw new ElevenLabsOutcomeUnknownError(
        `${describeTransportFailure(method, path, result)}; the call may have been placed`,
        { reason: result.kind, code: result.code, method, path, cause: result.cause },
      );
    }

    const { status, bodyText } = result.response;
    if (status >= 200 && status < 300) {
      const parsed = parseOutboundCallResponse(params.telephony, safeJson(bodyText));
      if (parsed === undefined) {
        throw new ElevenLabsOutcomeUnknownError(
          `ElevenLabs ${method} ${path} returned ${status} with an unexpected body; the call may have been placed`,
          { reason: 'invalid_response', status, method, path, apiMessage: bodyText.slice(0, 500) },
        );
      }
      return parsed;
    }

    const error = errorFromResponse({ status, headers: result.response.headers, bodyText, method, path });
    if (error instanceof ElevenLabsServerError) {
      throw new ElevenLabsOutcomeUnknownError(`${error.message}; the call may have been placed`, {
        reason: 'server_error',
        status,
        code: error.code,
        apiMessage: error.apiMessage,
        method,
        path,
        cause: error,
      });
    }
    throw error;
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

  /** GET /v1/convai/conversations filtered by agent_id / user_id / start time: used to reconcile an unknown call outcome. */
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
    const error = errorFromResponse({ status, headers: result.response.headers, bodyText: result.response.bodyText, method, path });
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
    const result = await this.send(req, transport);
    if (!result.ok) throw this.transportError(req.method, req.path, result);
    const { status, headers, bodyText } = result.response;
    if (status < 200 || status >= 300) throw errorFromResponse({ status, headers, bodyText, method: req.method, path: req.path });
    const parsed = schema.safeParse(safeJson(bodyText));
    if (!parsed.success) {
      throw new ElevenLabsUnexpectedResponseError(
        `ElevenLabs ${req.method} ${req.path} returned ${status} with an unexpected body: ${parsed.error.message}`,
        { status, method: req.method, path: req.path, apiMessage: bodyText.slice(0, 500), cause: parsed.error },
      );
    }
    return parsed.data;
  }

  private transportError(method: string, path: string, result: Extract<TransportResult, { ok: false }>): ElevenLabsError {
    const message = describeTransportFailure(method, path, result);
    const init = { code: result.code, method, path, cause: result.cause };
    if (result.kind === 'timeout') return new ElevenLabsTimeoutError(message, init);
    if (result.kind === 'aborted') return new ElevenLabsAbortedError(message, init);
    return new ElevenLabsNetworkError(message, init);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
