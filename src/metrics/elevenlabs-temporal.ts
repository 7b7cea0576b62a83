import type { MetricMeter } from '@temporalio/common';
import type { ElevenLabsRequestEvent } from '../integrations/elevenlabs/client';
import { elevenLabsErrorReason } from './elevenlabs';

/**
 * ElevenLabs request metrics for the worker, recorded on the Temporal runtime's meter so the
 * worker's one Prometheus endpoint (WORKER_METRICS_BIND) serves them with the SDK's own metrics.
 * Same names and labels as the API process's prom-client series.
 */
export function elevenLabsTemporalObserver(meter: MetricMeter): (event: ElevenLabsRequestEvent) => void {
  const duration = meter.createHistogram('elevenlabs_request_duration', 'float', 's', 'Duration of requests to the ElevenLabs API by endpoint');
  const errors = meter.createCounter('elevenlabs_request_errors', '1', 'Failed requests to the ElevenLabs API by endpoint and reason');
  return (event) => {
    duration.record(event.durationMs / 1000, { method: event.method, endpoint: event.endpoint, status: event.failure ?? String(event.status) });
    const reason = elevenLabsErrorReason(event);
    if (reason) errors.add(1, { method: event.method, endpoint: event.endpoint, reason });
  };
}
