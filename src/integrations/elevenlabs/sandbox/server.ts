import { EventEmitter, setMaxListeners } from 'node:events';
import { z } from 'zod';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callInitiationFailureData, conversationSummaryWire, conversationWire, type SandboxConversation } from './conversations';
import { errorBodies, type SandboxResponse } from './error-bodies';
import { FailureInjector } from './failures';
import { type HandlerInput, type HandlerKey, handlers, type SandboxConfig, type SandboxState } from './handlers';
import { BodyTooLargeError, type ParsedForm, parseMultipart, readBody } from './request-body';
import {
  type CallFailureReason,
  type ElevenLabsSandboxOptions,
  type FailureSpec,
  SANDBOX_ENDPOINTS,
  type SandboxEndpoint,
  type SandboxRequestRecord,
  type WebhookDeliveryRecord,
  type WebhookRetryOptions,
} from './types';
import { delay, nowMs, pickLatency } from './util';
import { type SandboxVoice, VoiceStore, voiceWire } from './voices';
import { WebhookSender } from './webhook-sender';

export type SandboxRuntimeConfig = Partial<
  Pick<
    ElevenLabsSandboxOptions,
    | 'cloneLatencyMs'
    | 'outboundCallLatencyMs'
    | 'apiLatencyMs'
    | 'voiceLimit'
    | 'ringDurationMs'
    | 'callDurationMs'
    | 'analysisDurationMs'
    | 'webhookUrl'
    | 'webhookSecret'
    | 'webhookRetry'
    | 'failNumbers'
  >
>;

export interface ElevenLabsSandbox {
  /** e.g. `http://127.0.0.1:43567`, usable as the client's baseUrl. */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** Every request in arrival order, updated in place when answered or when the client goes away. */
  readonly requests: SandboxRequestRecord[];
  readonly webhookDeliveries: WebhookDeliveryRecord[];
  readonly voices: ReadonlyMap<string, SandboxVoice>;
  readonly conversations: ReadonlyMap<string, SandboxConversation>;
  setFailure(endpoint: SandboxEndpoint, spec: FailureSpec | null): void;
  clearFailures(): void;
  /**
   * Backdates a voice's `created_at_unix` (e.g. to test age-based cleanup). Returns false for an
   * unknown voice. Also `PATCH /_sandbox/voices/{voice_id}` with `{"created_at_unix": N}`.
   */
  setVoiceCreatedAt(voiceId: string, createdAtUnix: number): boolean;
  configure(patch: SandboxRuntimeConfig): void;
  /** Clears voices, conversations, logs and pending timers; failures go back to the start options. */
  reset(): void;
  waitForRequest(predicate: (r: SandboxRequestRecord) => boolean, timeoutMs?: number): Promise<SandboxRequestRecord>;
  waitForWebhookDelivery(predicate: (d: WebhookDeliveryRecord) => boolean, timeoutMs?: number): Promise<WebhookDeliveryRecord>;
  close(): Promise<void>;
}

const latencySchema = z.union([z.number().nonnegative(), z.object({ min: z.number().nonnegative(), max: z.number().nonnegative() })]);
const failureSpecSchema = z.object({
  kind: z.enum(['429', 'system_busy', '500', 'timeout', 'reset', 'voice_limit_reached', 'invalid_api_key', 'quota_exceeded']),
  times: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).optional(),
  retryAfter: z.string().optional(),
  applyEffect: z.boolean().optional(),
}) satisfies z.ZodType<FailureSpec>;
const runtimeConfigSchema = z.object({
  cloneLatencyMs: latencySchema.optional(),
  outboundCallLatencyMs: latencySchema.optional(),
  apiLatencyMs: latencySchema.optional(),
  voiceLimit: z.number().int().nonnegative().optional(),
  ringDurationMs: latencySchema.optional(),
  callDurationMs: latencySchema.optional(),
  analysisDurationMs: latencySchema.optional(),
  webhookUrl: z.url().optional(),
  webhookSecret: z.string().min(1).optional(),
  webhookRetry: z.object({ delaysMs: z.array(z.number().nonnegative()).optional(), timeoutMs: z.number().positive().optional() }).optional(),
  failNumbers: z.union([z.array(z.string()), z.record(z.string(), z.enum(['busy', 'no-answer']))]).optional(),
}) satisfies z.ZodType<SandboxRuntimeConfig>;

const voicePatchSchema = z.object({ created_at_unix: z.number().int().nonnegative() });

const HOLD = Symbol('hold');
const RESET = Symbol('reset');
type Outcome = SandboxResponse | typeof HOLD | typeof RESET;

interface Route {
  endpoint: SandboxEndpoint;
  handler: HandlerKey;
  params: Record<string, string>;
}

function matchRoute(method: string, pathname: string): Route | 'method_not_allowed' | undefined {
  const voice = /^\/v1\/voices\/([^/]+)$/.exec(pathname);
  const conversation = /^\/v1\/convai\/conversations\/([^/]+)$/.exec(pathname);
  const table: { test: boolean; methods: Partial<Record<string, Omit<Route, 'params'>>>; params?: Record<string, string> }[] = [
    { test: pathname === '/v1/voices', methods: { GET: { endpoint: 'voices.list', handler: 'voices.list' } } },
    { test: pathname === '/v1/voices/add', methods: { POST: { endpoint: 'voices.add', handler: 'voices.add' } } },
    { test: pathname === '/v1/user/subscription', methods: { GET: { endpoint: 'subscription', handler: 'subscription' } } },
    { test: pathname === '/v1/convai/twilio/outbound-call', methods: { POST: { endpoint: 'outboundCall', handler: 'outboundCall.twilio' } } },
    { test: pathname === '/v1/convai/sip-trunk/outbound-call', methods: { POST: { endpoint: 'outboundCall', handler: 'outboundCall.sip_trunk' } } },
    { test: pathname === '/v1/convai/conversations', methods: { GET: { endpoint: 'conversations.list', handler: 'conversations.list' } } },
    {
      test: voice !== null && pathname !== '/v1/voices/add',
      methods: { GET: { endpoint: 'voices.get', handler: 'voices.get' }, DELETE: { endpoint: 'voices.delete', handler: 'voices.delete' } },
      params: { voiceId: decodeURIComponent(voice?.[1] ?? '') },
    },
    {
      test: conversation !== null,
      methods: { GET: { endpoint: 'conversations.get', handler: 'conversations.get' } },
      params: { conversationId: decodeURIComponent(conversation?.[1] ?? '') },
    },
  ];
  const hit = table.find((r) => r.test);
  if (hit === undefined) return undefined;
  const route = hit.methods[method];
  return route === undefined ? 'method_not_allowed' : { ...route, params: hit.params ?? {} };
}

function normaliseFailNumbers(value: ElevenLabsSandboxOptions['failNumbers']): Record<string, CallFailureReason> {
  if (value === undefined) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((n) => [n, 'busy' as const]));
  return { ...value };
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The signal aborted on close/reset. Every in-flight request listens on it (each handler's
 * client-gone signal, and outbound-call placement, which survives a client hang-up), so it carries
 * one listener per concurrent request by design, each removed when its request ends: no cap, or
 * more than 10 concurrent requests would print MaxListenersExceededWarning.
 */
function newLifecycle(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Starts an ElevenLabs look-alike on 127.0.0.1 (see ElevenLabsSandboxOptions for behaviour). */
export async function startElevenLabsSandbox(options: ElevenLabsSandboxOptions = {}): Promise<ElevenLabsSandbox> {
  const apiKey = options.apiKey ?? 'sandbox-api-key';
  const random = options.random ?? Math.random;
  const config: SandboxConfig = {
    cloneLatencyMs: options.cloneLatencyMs ?? { min: 5_000, max: 30_000 },
    outboundCallLatencyMs: options.outboundCallLatencyMs ?? { min: 300, max: 1_500 },
    apiLatencyMs: options.apiLatencyMs ?? { min: 5, max: 40 },
    voiceLimit: options.voiceLimit ?? 10,
    ringDurationMs: options.ringDurationMs ?? 2_000,
    callDurationMs: options.callDurationMs ?? 20_000,
    analysisDurationMs: options.analysisDurationMs ?? 1_000,
    failNumbers: normaliseFailNumbers(options.failNumbers),
  };
  const webhook: { url?: string; secret?: string; retry: WebhookRetryOptions } = {
    url: options.webhookUrl,
    secret: options.webhookSecret,
    retry: { delaysMs: [200, 1_000, 5_000], timeoutMs: 5_000, ...options.webhookRetry },
  };

  const events = new EventEmitter();
  events.setMaxListeners(0);
  const requests: SandboxRequestRecord[] = [];
  const deliveries: WebhookDeliveryRecord[] = [];
  const voices = new VoiceStore();
  const conversations = new Map<string, SandboxConversation>();
  const failures = new FailureInjector(random, options.failures);
  const lifecycleTimers = new Set<NodeJS.Timeout>();
  const held = new Set<ServerResponse>();
  let lifecycle = newLifecycle();
  let nextRequestId = 1;
  let closed = false;

  const sender = new WebhookSender((record) => {
    deliveries.push(record);
    events.emit('delivery', record);
  });

  const scheduleWebhook = (c: SandboxConversation): void => {
    const fireAt = c.failureReason === null ? c.doneAtMs : c.answeredAtMs;
    const timer = setTimeout(() => {
      lifecycleTimers.delete(timer);
      if (webhook.url === undefined || webhook.secret === undefined || conversations.get(c.conversationId) !== c) return;
      const type = c.failureReason === null ? 'post_call_transcription' : 'call_initiation_failure';
      const data = c.failureReason === null ? conversationWire(c, Math.max(nowMs(), c.doneAtMs)) : callInitiationFailureData(c);
      const payload = { type, event_timestamp: Math.floor(Date.now() / 1000), data };
      sender.send({ url: webhook.url, secret: webhook.secret, retry: webhook.retry }, type, c.conversationId, payload);
    }, Math.max(0, fireAt - nowMs()));
    lifecycleTimers.add(timer);
  };

  const state: SandboxState = {
    config,
    voices,
    conversations,
    random,
    lifecycle: () => lifecycle.signal,
    onConversationCreated: scheduleWebhook,
  };

  const configure = (patch: SandboxRuntimeConfig): void => {
    if (patch.cloneLatencyMs !== undefined) config.cloneLatencyMs = patch.cloneLatencyMs;
    if (patch.outboundCallLatencyMs !== undefined) config.outboundCallLatencyMs = patch.outboundCallLatencyMs;
    if (patch.apiLatencyMs !== undefined) config.apiLatencyMs = patch.apiLatencyMs;
    if (patch.voiceLimit !== undefined) config.voiceLimit = patch.voiceLimit;
    if (patch.ringDurationMs !== undefined) config.ringDurationMs = patch.ringDurationMs;
    if (patch.callDurationMs !== undefined) config.callDurationMs = patch.callDurationMs;
    if (patch.analysisDurationMs !== undefined) config.analysisDurationMs = patch.analysisDurationMs;
    if (patch.failNumbers !== undefined) config.failNumbers = normaliseFailNumbers(patch.failNumbers);
    if (patch.webhookUrl !== undefined) webhook.url = patch.webhookUrl;
    if (patch.webhookSecret !== undefined) webhook.secret = patch.webhookSecret;
    if (patch.webhookRetry !== undefined) webhook.retry = { ...webhook.retry, ...patch.webhookRetry };
  };

  const reset = (): void => {
    lifecycle.abort(new Error('sandbox reset'));
    lifecycle = newLifecycle();
    for (const t of lifecycleTimers) clearTimeout(t);
    lifecycleTimers.clear();
    for (const res of held) res.socket?.destroy();
    held.clear();
    sender.cancelPending();
    voices.reset();
    conversations.clear();
    requests.length = 0;
    deliveries.length = 0;
    failures.setAll(options.failures ?? {});
  };

  const write = (res: ServerResponse, record: SandboxRequestRecord, response: SandboxResponse): void => {
    if (res.destroyed || res.writableEnded) return;
    const body = JSON.stringify(response.json);
    const headers = { 'content-type': 'application/json', ...response.headers };
    res.writeHead(response.status, headers);
    res.end(body);
    record.status = response.status;
    record.responseJson = response.json;
    record.responseHeaders = headers;
    record.respondedAt = nowMs();
    events.emit('request', record);
  };

  /** Auth, then failure injection, then the real handler. */
  const runApi = async (route: Route, input: HandlerInput, record: SandboxRequestRecord): Promise<Outcome> => {
    const handler = handlers[route.handler];
    const latency = (): Promise<void> => delay(pickLatency(config.apiLatencyMs, random), input.signal);
    if (!record.apiKeyValid) {
      await latency();
      return errorBodies.invalidApiKey();
    }
    const failure = failures.take(route.endpoint);
    if (failure === undefined) return handler(state, input);
    record.injectedFailure = failure.kind;
    const effectThenLatency = async (): Promise<void> => {
      if (failure.applyEffect === true) await handler(state, input);
      else await latency();
    };
    switch (failure.kind) {
      case 'timeout':
        if (failure.applyEffect === true) await handler(state, input);
        return HOLD;
      case 'reset':
        await effectThenLatency();
        return RESET;
      case '500':
        await effectThenLatency();
        return errorBodies.internal();
      case '429':
        await latency();
        return errorBodies.tooManyConcurrentRequests(failure.retryAfter);
      case 'system_busy':
        await latency();
        return errorBodies.systemBusy(failure.retryAfter);
      case 'voice_limit_reached':
        await latency();
        return errorBodies.voiceLimitReached(voices.slotsUsed, config.voiceLimit);
      case 'invalid_api_key':
        await latency();
        return errorBodies.invalidApiKey();
      case 'quota_exceeded':
        await latency();
        return errorBodies.quotaExceeded();
    }
  };

  const setVoiceCreatedAt = (voiceId: string, createdAtUnix: number): boolean => {
    const voice = voices.voices.get(voiceId);
    if (voice === undefined) return false;
    voice.createdAtUnix = createdAtUnix;
    return true;
  };

  const runControl = (req: IncomingMessage, pathname: string, json: unknown): SandboxResponse => {
    const failureMatch = /^\/_sandbox\/failures\/([^/]+)$/.exec(pathname);
    const voiceMatch = /^\/_sandbox\/voices\/([^/]+)$/.exec(pathname);
    if (req.method === 'PATCH' && voiceMatch !== null) {
      const patch = voicePatchSchema.safeParse(json ?? {});
      if (!patch.success) return errorBodies.plain(400, z.prettifyError(patch.error));
      const voiceId = decodeURIComponent(voiceMatch[1] ?? '');
      if (!setVoiceCreatedAt(voiceId, patch.data.created_at_unix)) return errorBodies.plain(404, `unknown voice ${voiceId}`);
      return { status: 200, json: voiceWire(voices.voices.get(voiceId)!) };
    }
    if (req.method === 'GET' && pathname === '/_sandbox/requests') return { status: 200, json: requests.filter((r) => r.endpoint !== 'control') };
    if (req.method === 'GET' && pathname === '/_sandbox/webhook-deliveries') return { status: 200, json: deliveries };
    if (req.method === 'GET' && pathname === '/_sandbox/state') {
      const now = nowMs();
      return {
        status: 200,
        json: {
          voices: [...voices.voices.values()].map(voiceWire),
          conversations: [...conversations.values()].map((c) => conversationSummaryWire(c, now)),
          failures: failures.snapshot(),
          config,
          webhook: { url: webhook.url ?? null, retry: webhook.retry },
        },
      };
    }
    if (req.method === 'PUT' && failureMatch !== null) {
      const endpoint = decodeURIComponent(failureMatch[1] ?? '') as SandboxEndpoint;
      if (!SANDBOX_ENDPOINTS.includes(endpoint)) return errorBodies.plain(404, `unknown endpoint ${endpoint}`);
      const spec = failureSpecSchema.nullable().safeParse(json ?? null);
      if (!spec.success) return errorBodies.plain(400, z.prettifyError(spec.error));
      failures.set(endpoint, spec.data);
      return { status: 200, json: failures.snapshot() };
    }
    if (req.method === 'DELETE' && pathname === '/_sandbox/failures') {
      failures.setAll({});
      return { status: 200, json: {} };
    }
    if (req.method === 'POST' && pathname === '/_sandbox/config') {
      const patch = runtimeConfigSchema.safeParse(json ?? {});
      if (!patch.success) return errorBodies.plain(400, z.prettifyError(patch.error));
      configure(patch.data);
      return { status: 200, json: { config, webhook: { url: webhook.url ?? null, retry: webhook.retry } } };
    }
    if (req.method === 'POST' && pathname === '/_sandbox/reset') {
      reset();
      return { status: 200, json: { status: 'ok' } };
    }
    return errorBodies.plain(404, 'Not Found');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const method = req.method ?? 'GET';
    const isControl = url.pathname.startsWith('/_sandbox/') && options.controlRoutes !== false;
    const route = isControl ? undefined : matchRoute(method, url.pathname);
    const record: SandboxRequestRecord = {
      id: nextRequestId++,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      endpoint: isControl ? 'control' : typeof route === 'object' ? route.endpoint : 'unknown',
      receivedAt: nowMs(),
      remotePort: req.socket.remotePort,
      apiKeyValid: headerString(req.headers['xi-api-key']) === apiKey,
      contentType: headerString(req.headers['content-type']),
      bodyBytes: 0,
    };
    requests.push(record);

    const clientGone = new AbortController();
    const onLifecycleAbort = (): void => clientGone.abort(new Error('sandbox closed'));
    const lifecycleSignal = lifecycle.signal;
    lifecycleSignal.addEventListener('abort', onLifecycleAbort, { once: true });
    res.on('close', () => {
      lifecycleSignal.removeEventListener('abort', onLifecycleAbort);
      record.closedAt = nowMs();
      if (!res.writableFinished) {
        record.clientAborted = true;
        clientGone.abort(new Error('client disconnected'));
      }
      events.emit('request', record);
    });

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) write(res, record, errorBodies.plain(413, 'Request Entity Too Large'));
      return;
    }
    record.bodyBytes = body.length;

    let json: unknown;
    let jsonError = false;
    let form: ParsedForm | undefined;
    let formError = false;
    const contentType = record.contentType ?? '';
    // Control routes accept JSON without a content-type, so `curl -d` works.
    if ((contentType.includes('application/json') || isControl) && body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
        record.json = json;
      } catch {
        jsonError = true;
      }
    } else if (contentType.includes('multipart/form-data')) {
      try {
        form = await parseMultipart(body, contentType);
        record.multipart = form.summary;
      } catch {
        formError = true;
      }
    }
    events.emit('request', record);

    try {
      if (isControl) {
        write(res, record, jsonError ? errorBodies.plain(400, 'body is not JSON') : runControl(req, url.pathname, json));
        return;
      }
      if (route === undefined) {
        write(res, record, errorBodies.plain(404, 'Not Found'));
        return;
      }
      if (route === 'method_not_allowed') {
        write(res, record, errorBodies.plain(405, 'Method Not Allowed'));
        return;
      }
      const outcome = await runApi(route, { params: route.params, query: url.searchParams, json, jsonError, form, formError, signal: clientGone.signal }, record);
      if (outcome === HOLD) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      if (outcome === RESET) {
        req.socket.destroy();
        return;
      }
      write(res, record, outcome);
    } catch (error) {
      // A reset aborts in-flight handlers; their clients still get an answer unless they already left.
      if (record.clientAborted === true) return;
      write(res, record, errorBodies.plain(500, `Sandbox error: ${(error as Error).message}`));
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const waitFor = <T>(list: T[], eventName: string, predicate: (item: T) => boolean, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const existing = list.find(predicate);
      if (existing !== undefined) {
        resolve(existing);
        return;
      }
      const onEvent = (item: T): void => {
        if (!predicate(item)) return;
        clearTimeout(timer);
        events.off(eventName, onEvent);
        resolve(item);
      };
      const timer = setTimeout(() => {
        events.off(eventName, onEvent);
        reject(new Error(`sandbox: no matching ${eventName} within ${timeoutMs} ms`));
      }, timeoutMs);
      events.on(eventName, onEvent);
    });

  return {
    url: `http://${host}:${port}`,
    port,
    apiKey,
    requests,
    webhookDeliveries: deliveries,
    voices: voices.voices,
    conversations,
    setFailure: (endpoint, spec) => failures.set(endpoint, spec),
    clearFailures: () => failures.setAll({}),
    setVoiceCreatedAt,
    configure,
    reset,
    waitForRequest: (predicate, timeoutMs = 5_000) => waitFor(requests, 'request', predicate, timeoutMs),
    waitForWebhookDelivery: (predicate, timeoutMs = 5_000) => waitFor(deliveries, 'delivery', predicate, timeoutMs),
    close: async () => {
      if (closed) return;
      closed = true;
      lifecycle.abort(new Error('sandbox closed'));
      for (const t of lifecycleTimers) clearTimeout(t);
      lifecycleTimers.clear();
      await sender.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
