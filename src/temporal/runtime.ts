import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * Installs the Temporal runtime once, before any connection: the SDK's log level, and its
 * Prometheus exporter (worker task slots, schedule-to-start latencies, sticky cache, activity and
 * workflow outcomes, plus our activities' own metrics) on `metricsBind` when set.
 */
export function installTemporalRuntime({ logLevel, metricsBind }: { logLevel: LogLevel; metricsBind: string | undefined }): void {
  Runtime.install({
    logger: new DefaultLogger(logLevel),
    ...(metricsBind
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBind, countersTotalSuffix: true, useSecondsForDurations: true } } } }
      : {}),
  });
}
