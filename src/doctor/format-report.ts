import type { CheckStatus, DoctorReport } from './types';

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skipped: 'skip' };

/** The report as a plain-text table for a terminal: one row per check, its fix indented under it. */
export function formatReport(report: DoctorReport): string {
  const idWidth = Math.max(5, ...report.checks.map((c) => c.id.length));
  const lines = [`VoiceClone Pre-Call doctor (HANDOFF_MODE=${report.mode})`, '', `  ${'STATE'.padEnd(6)}${'CHECK'.padEnd(idWidth + 2)}RESULT`];
  for (const c of report.checks) {
    lines.push(`  ${LABEL[c.status].padEnd(6)}${c.id.padEnd(idWidth + 2)}${c.message}`);
    if (c.fix && c.status !== 'ok') lines.push(`  ${''.padEnd(6 + idWidth + 2)}fix: ${c.fix}`);
  }
  const { ok, warn, fail, skipped } = report.counts;
  lines.push('', `${ok} ok, ${warn} warning(s), ${fail} failure(s), ${skipped} skipped in ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
