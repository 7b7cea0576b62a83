import type { Request, RequestHandler, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

export type WebhookSource = '3cx' | 'elevenlabs';
export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'stored'
  | 'unknown_call'
  | 'rejected_signature'
  | 'rejected_validation'
  | 'forbidden_ip'
  | 'too_large'
  | 'error';

/** Route patterns of the webhooks (aliases included), by sender. */
export const WEBHOOK_ROUTES: Readonly<Record<string, WebhookSource>> = {
  '/webhook/3cx': '3cx',
  '/webhook/3cx-call': '3cx',
  '/webhook/elevenlabs/postcall': 'elevenlabs',
  '/webhook/post-call': 'elevenlabs',
  '/webhook/elevenlabs/conversation-init': 'elevenlabs',
};

const OUTCOME_BY_ERROR_CODE: Readonly<Record<string, WebhookOutcome>> = {
  invalid_signature: 'rejected_signature',
  validation_failed: 'rejected_validation',
  invalid_json: 'rejected_validation',
  forbidden_ip: 'forbidden_ip',
  payload_too_large: 'too_large',
  unknown_call: 'unknown_call',
};

export interface HttpMetrics {
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  webhookEvents: Counter<'source' | 'outcome'>;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern (`unmatched` when no route answered) and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'webhook_events_total',
      help: 'Webhooks received by source (3cx, elevenlabs) and outcome',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The pattern of the route that answered (`/calls/:callId`), never the raw path. Express keeps
 * `req.route` after the response, also when the route passed an error on.
 */
export function routeLabel(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  if (Array.isArray(path)) {
    // A route with aliases: name the alias that was asked for when it is a plain path.
    const patterns = path.filter((p): p is string => typeof p === 'string');
    const chosen = patterns.find((p) => `${req.baseUrl}${p}` === req.path) ?? patterns[0];
    if (chosen !== undefined) return `${req.baseUrl}${chosen}`;
  }
  return 'unmatched';
}

/** The value of `:name` in a path matched by `pattern` (both plain `/`-separated paths). */
export function routeParam(pattern: string, path: string, name: string): string | undefined {
  const keys = pattern.split('/');
  const parts = path.replace(/(.)\/$/, '$1').split('/');
  const index = keys.indexOf(`:${name}`);
  if (index < 0 || keys.length !== parts.length) return undefined;
  const raw = parts[index]!;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Keeps the JSON body a handler answers with in `res.locals.responseBody`, so observers can read
 * the error code or the webhook's status after the fact. Idempotent.
 */
export function captureJsonBody(res: Response): void {
  if (res.locals.responseBodyCaptured === true) return;
  res.locals.responseBodyCaptured = true;
  const json = res.json.bind(res);
  res.json = (body?: unknown) => {
    res.locals.responseBody = body;
    return json(body);
  };
}

/** `code` of an `{error: {code}}` body, if that is what was answered. */
export function responseErrorCode(body: unknown): string | undefined {
  const code = isRecord(body) && isRecord(body.error) ? body.error.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** What became of a webhook, from the status and body the route answered with. */
export function webhookOutcome(status: number, body: unknown): WebhookOutcome {
  const code = responseErrorCode(body);
  const byCode = code === undefined ? undefined : OUTCOME_BY_ERROR_CODE[code];
  if (byCode) return byCode;
  if (status >= 500) return 'error';
  if (status === 401) return 'rejected_signature';
  if (status === 403) return 'forbidden_ip';
  if (status === 404) return 'unknown_call';
  if (status === 413) return 'too_large';
  if (status >= 400) return 'rejected_validation';
  const answer = isRecord(body) ? body : {};
  if (answer.duplicate === true || answer.status === 'duplicate') return 'duplicate';
  if (answer.status === 'ignored') return 'ignored';
  if (answer.status === 'stored') return 'stored';
  return 'accepted';
}

/** Times every request and counts webhook outcomes; install before the routes. */
export function httpMetricsMiddleware(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const stopTimer = metrics.requestDuration.startTimer();
    captureJsonBody(res);
    res.once('finish', () => {
      const route = routeLabel(req);
      stopTimer({ method: req.method, route, status_code: String(res.statusCode) });
      const source = WEBHOOK_ROUTES[route];
      if (source && req.method === 'POST') metrics.webhookEvents.inc({ source, outcome: webhookOutcome(res.statusCode, res.locals.responseBody) });
    });
    next();
  };
}
