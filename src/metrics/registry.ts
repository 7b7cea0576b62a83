import { collectDefaultMetrics, Registry } from 'prom-client';
import { createElevenLabsMetrics, type ElevenLabsMetrics } from './elevenlabs';
import { createHttpMetrics, type HttpMetrics } from './http';

/**
 * The API process's series, in a registry of its own (never prom-client's global one). The worker
 * exports through the Temporal runtime's meter instead (see src/temporal/runtime.ts).
 */
export interface Metrics {
  registry: Registry;
  http: HttpMetrics;
  elevenlabs: ElevenLabsMetrics;
}

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Labels on every series, e.g. `{ process: 'api' }`. */
  labels?: Record<string, string>;
}

export function createMetrics({ defaultMetrics = true, labels }: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (labels) registry.setDefaultLabels(labels);
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    http: createHttpMetrics(registry),
    elevenlabs: createElevenLabsMetrics(registry),
  };
}
