import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../../src/contracts/search-attributes';
import { devServerArgs } from '../../../src/temporal/dev-server';
import { INSTALL_HINT, resolveTemporalBinary } from '../../../src/temporal/binaries';

export interface PersistentTemporal {
  address: string;
  /** Stops the server process; its state stays in the sqlite file. */
  stop(): Promise<void>;
}

/**
 * A Temporal dev server on a fixed port whose state lives in `dbFilename` (as `npm start` runs
 * it): start it again on the same port and file and it carries on with the same workflows.
 */
export async function startPersistentTemporal({ port, dbFilename }: { port: number; dbFilename: string }): Promise<PersistentTemporal> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier suite in this process.
  }
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: resolveTemporalBinary('temporal'),
        ip: '127.0.0.1',
        port,
        dbFilename,
        searchAttributes: SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
        extraArgs: devServerArgs(),
      },
    });
  } catch (err) {
    throw new Error(`No Temporal dev server on port ${port}: ${(err as Error).message}. ${INSTALL_HINT}`, { cause: err });
  }
  let stopped = false;
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await env.teardown();
    },
  };
}
