import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { TEST_DATA_DIR, workflowBundlePath } from '../support/env';

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), log: noop };

/** Once per run: the workflow bundle every test worker loads (bundling once keeps each suite fast). */
export async function ensureWorkflowBundle(): Promise<void> {
  if (existsSync(workflowBundlePath())) return;
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
  writeFileSync(workflowBundlePath(), code);
}
