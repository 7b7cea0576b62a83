import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { INSTALL_HINT, resolveTemporalBinary } from '../../src/temporal/binaries';
import { devServerArgs } from '../../src/temporal/dev-server';
import type { BenchOptions } from './options';
import { freePort } from './server-metrics';
import type { Teardown } from './teardown';

export interface TemporalServer {
  address: string;
  /** The embedded dev server's Prometheus endpoint; null when attached. */
  metricsUrl: string | null;
  description: string;
}

/** TEMPORAL_ADDRESS, or a dev server as `npm start` runs it (the project's dynamic config, search attributes). */
export async function startTemporal(options: BenchOptions, scratch: string, teardown: Teardown): Promise<TemporalServer> {
  if (options.temporalAddress) return { address: options.temporalAddress, metricsUrl: null, description: `attached: ${options.temporalAddress}` };
  const executable = resolveTemporalBinary('temporal');
  const metricsPort = await freePort();
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        namespace: options.temporalNamespace,
        ip: '127.0.0.1',
        ui: false,
        ...(options.temporalDb === 'file' ? { dbFilename: path.join(scratch, 'temporal.sqlite') } : {}),
        searchAttributes: SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
        extraArgs: devServerArgs(['--metrics-port', String(metricsPort)], options.temporalDynamicConfig),
      },
    });
  } catch (err) {
    throw new Error(`Could not start a Temporal dev server (${(err as Error).message}). ${INSTALL_HINT}`, { cause: err });
  }
  teardown.add('stop Temporal dev server', () => env.teardown());
  const binary = executable.type === 'existing-path' ? executable.path : 'SDK download';
  const extra = options.temporalDynamicConfig.map((kv) => `, ${kv}`).join('');
  return {
    address: env.address,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    description: `embedded dev server (${binary}, SQLite ${options.temporalDb === 'file' ? 'file' : 'in memory'}${extra}) on ${env.address}`,
  };
}
