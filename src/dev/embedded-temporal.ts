import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { devServerArgs } from '../temporal/dev-server';
import { INSTALL_HINT, resolveTemporalBinary } from '../temporal/binaries';

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  stop: () => Promise<void>;
}

/**
 * A Temporal dev server with its Web UI for `npm start`, its state kept in `dataDir` so calls
 * survive a restart. Uses the binary from PATH or .tools/, else the SDK's download.
 */
export async function startEmbeddedTemporal(dataDir: string, namespace: string, uiPort: number, port = 7233): Promise<EmbeddedTemporal> {
  mkdirSync(dataDir, { recursive: true });
  const executable = resolveTemporalBinary('temporal');
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        namespace,
        ip: '127.0.0.1',
        port,
        ui: true,
        uiPort,
        dbFilename: path.join(dataDir, 'temporal.sqlite'),
        searchAttributes: SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'warn' },
        extraArgs: devServerArgs(),
      },
    });
    return { address: `127.0.0.1:${port}`, uiUrl: `http://127.0.0.1:${uiPort}`, stop: () => env.teardown() };
  } catch (err) {
    throw new Error(`Could not start the embedded Temporal dev server (${(err as Error).message}). ${INSTALL_HINT}`, { cause: err });
  }
}
