import type { Logger } from '../logger';
import { runDoctor } from './run-doctor';
import type { DoctorDeps, DoctorReport } from './types';

/**
 * The doctor at gateway start: the same checks as `npm run doctor`, logged (fail → error,
 * warn → warn, the rest → info) instead of printed. Never throws and never stops the gateway:
 * resolves null if the run itself broke. Lend the gateway's `callControl` (see DoctorDeps) and call
 * it after the route point started, without awaiting it on the start-up path.
 */
export async function logStartupChecks(deps: DoctorDeps, log: Logger): Promise<DoctorReport | null> {
  let report: DoctorReport;
  try {
    report = await runDoctor(deps);
  } catch (err) {
    log.error({ err }, 'start-up checks could not run');
    return null;
  }
  for (const c of report.checks) {
    const fields = { check: c.id, area: c.area, status: c.status, ...(c.fix && c.status !== 'ok' ? { fix: c.fix } : {}) };
    if (c.status === 'fail') log.error(fields, c.message);
    else if (c.status === 'warn') log.warn(fields, c.message);
    else log.info(fields, c.message);
  }
  const summary = { mode: report.mode, ...report.counts, durationMs: report.durationMs };
  if (report.ok) log.info(summary, 'start-up checks passed');
  else log.error(summary, 'start-up checks found problems (each is logged above with its fix)');
  return report;
}
