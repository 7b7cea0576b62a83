import { mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { migrateDatabase } from '../../src/db/migrate';
import { INSTALL_HINT, resolveTemporalBinary } from '../../src/temporal/binaries';
import { createDatabase } from '../support/db';
import { templateDatabase, TEST_DATA_DIR, TEST_ADMIN_DATABASE_URL, workflowBundlePath } from '../support/env';

// Once per run: a migrated template database every test file copies, and the workflow bundle every
// test worker loads (bundling once keeps each suite fast).
export default async function globalSetup(): Promise<void> {
  if (!process.env.TEMPORAL_ADDRESS && resolveTemporalBinary('temporal').type !== 'existing-path') {
    console.warn(`\nNo local Temporal binary found; the SDK will try to download one. ${INSTALL_HINT}\n`);
  }
  let templateUrl: string;
  try {
    templateUrl = await createDatabase(templateDatabase());
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_ADMIN_DATABASE_URL} (${(err as Error).message}). Start it, or set TEST_DATABASE_URL.`, { cause: err });
  }
  await migrateDatabase(templateUrl);
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
  writeFileSync(workflowBundlePath(), code);
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };
