import { migrateDatabase } from '../../src/db/migrate';
import { INSTALL_HINT, resolveTemporalBinary } from '../../src/temporal/binaries';
import { createDatabase } from '../support/db';
import { templateDatabase, TEST_ADMIN_DATABASE_URL } from '../support/env';
import { ensureWorkflowBundle } from './workflow-bundle';

// The `integration` project: a migrated template database every test file copies, and the
// workflow bundle every test worker loads.
export default async function globalSetup(): Promise<void> {
  warnWithoutTemporal();
  let templateUrl: string;
  try {
    templateUrl = await createDatabase(templateDatabase());
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_ADMIN_DATABASE_URL} (${(err as Error).message}). Start it, or set TEST_DATABASE_URL.`, { cause: err });
  }
  await migrateDatabase(templateUrl);
  await ensureWorkflowBundle();
}

export function warnWithoutTemporal(): void {
  if (!process.env.TEMPORAL_ADDRESS && resolveTemporalBinary('temporal').type !== 'existing-path') {
    console.warn(`\nNo local Temporal binary found; the SDK will try to download one. ${INSTALL_HINT}\n`);
  }
}
