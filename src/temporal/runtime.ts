import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { createLogger, sanitizeForeignText, type Logger } from '../logger';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const PINO_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const satisfies Record<LogLevel, string>;

/**
 * The SDK's log lines (its own, Core's, and workflow/activity context loggers) as JSON lines of
 * our logger. They carry workflow ids, activity arguments and error texts we did not write, so
 * every string is masked for phone numbers and redacted for credentials before the logger's own
 * field-based sanitising runs. Lines below `level` are dropped.
 */
export function temporalSdkLogger(log: Logger, level: LogLevel): SdkLogger {
  const threshold = LEVELS.indexOf(level);
  const write = (at: LogLevel, message: string, meta?: LogMetadata): void => {
    if (LEVELS.indexOf(at) < threshold) return;
    // pino serialises errors under `err` only; the SDK puts them under `error`.
    const { error, ...rest }: { error?: unknown } & LogMetadata = meta ?? {};
    const fields = sanitizeForeignText(error === undefined ? rest : { ...rest, err: error }) as Record<string, unknown>;
    log[PINO_LEVELS[at]](fields, sanitizeForeignText(message) as string);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

export interface TemporalRuntimeOptions {
  logLevel: LogLevel;
  metricsBind: string | undefined;
  /** The process's logger; without one, a logger of our own at `logLevel`. */
  log?: Logger;
}

/**
 * Installs the Temporal runtime once, before any connection: its logs, Core's included, go through
 * our sanitising logger (the SDK's DefaultLogger would print workflow ids and arguments in clear),
 * and its Prometheus exporter (worker task slots, schedule-to-start latencies, sticky cache,
 * activity and workflow outcomes, plus our activities' own metrics) listens on `metricsBind` when set.
 */
export function installTemporalRuntime({ logLevel, metricsBind, log }: TemporalRuntimeOptions): void {
  const logger = (log ?? createLogger(logLevel.toLowerCase())).child({ component: 'temporal' });
  Runtime.install({
    logger: temporalSdkLogger(logger, logLevel),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: logLevel }), forward: {} },
      ...(metricsBind ? { metrics: { prometheus: { bindAddress: metricsBind, countersTotalSuffix: true, useSecondsForDurations: true } } } : {}),
    },
  });
}
