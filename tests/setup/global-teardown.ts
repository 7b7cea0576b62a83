import { rmSync } from 'node:fs';
import { dropDatabase } from '../support/db';
import { templateDatabase, workflowBundlePath } from '../support/env';

export default async function globalTeardown(): Promise<void> {
  await dropDatabase(templateDatabase());
  rmSync(workflowBundlePath(), { force: true });
}
