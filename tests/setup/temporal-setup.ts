import { warnWithoutTemporal } from './global-setup';
import { ensureWorkflowBundle } from './workflow-bundle';

/** The `temporal` project: workflows on a Temporal server, no database. */
export default async function temporalSetup(): Promise<void> {
  warnWithoutTemporal();
  await ensureWorkflowBundle();
}
