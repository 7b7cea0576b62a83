import { Counter, Histogram, type Registry } from 'prom-client';
import type { ElevenLabsRequestEvent } from '../integrations/elevenlabs/client';

export interface ElevenLabsMetrics {
  requestDuration: Histogram<'method' | 'endpoint' | 'status'>;
  requestErrors: Counter<'method' | 'endpoint' | 'reason'>;
  /** Pass as the client's `onRequest` option. */
  observe: (event: ElevenLabsRequestEvent) => void;
}

/** `timeout` | `aborted` | `network` without a response; otherwise derived from the status. */
export function elevenLabsErrorReason(event: ElevenLabsRequestEvent): string | null {
  if (event.failure) return event.failure;
  const status = event.status ?? 0;
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return null;
}

export function createElevenLabsMetrics(registry: Registry): ElevenLabsMetrics {
  const requestDuration = new Histogram({
    name: 'elevenlabs_request_duration_seconds',
    help: 'Duration of requests to the ElevenLabs API by endpoint; status is the HTTP status or the failure (timeout, aborted, network)',
    labelNames: ['method', 'endpoint', 'status'] as const,
    // Voice clones take seconds to tens of seconds; everything else should answer in well under one.
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
    registers: [registry],
  });
  const requestErrors = new Counter({
    name: 'elevenlabs_request_errors_total',
    help: 'Failed requests to the ElevenLabs API by endpoint and reason',
    labelNames: ['method', 'endpoint', 'reason'] as const,
    registers: [registry],
  });
  return {
    requestDuration,
    requestErrors,
    observe: (event) => {
      const status = event.failure ?? String(event.status);
      requestDuration.observe({ method: event.method, endpoint: event.endpoint, status }, event.durationMs / 1000);
      const reason = elevenLabsErrorReason(event);
      if (reason) requestErrors.inc({ method: event.method, endpoint: event.endpoint, reason });
    },
  };
}
