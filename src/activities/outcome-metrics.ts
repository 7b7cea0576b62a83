import { metricMeter } from '@temporalio/activity';

// Business metrics emitted from activities through the Temporal SDK's meter, so the worker's
// Prometheus endpoint (WORKER_METRICS_BIND) serves them next to the SDK's own worker metrics.

export function recordCloneDuration(milliseconds: number): void {
  // Seconds: the worker's exporter uses second-sized buckets (useSecondsForDurations).
  metricMeter.createHistogram('voiceclone_clone_duration', 'float', 's', 'ElevenLabs instant voice clone request time').record(milliseconds / 1000);
}

export function recordCallOutcome(status: string, voiceSource: string | null, fallbackReason: string | null): void {
  metricMeter.createCounter('voiceclone_calls', '1', 'Calls finished, by outcome and voice source').add(1, { status, voice_source: voiceSource ?? 'none' });
  if (fallbackReason) metricMeter.createCounter('voiceclone_fallbacks', '1', 'Calls that used the default voice, by reason').add(1, { reason: fallbackReason });
}
