export { runDoctor } from './run-doctor';
export { formatReport } from './format-report';
export { logStartupChecks } from './log-report';
export type { CheckArea, CheckStatus, DoctorCheck, DoctorDeps, DoctorReport, ThreeCxTarget } from './types';
