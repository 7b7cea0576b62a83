import { rmSync } from 'node:fs';
import { workflowBundlePath } from '../support/env';

export default function temporalTeardown(): void {
  rmSync(workflowBundlePath(), { force: true });
}
