import { NativeConnection } from '@temporalio/worker';
import {
  buildActivities,
  createElevenLabsClient,
  prepareDatabase,
  requireExternal,
  requireThreeCx,
  startApi,
  startGatewayProcess,
  startWorker,
  type Resolved,
  type RunningWorker,
} from '../../src/bootstrap';
import type { Config } from '../../src/config';
import type { PrismaClient } from '../../src/db/prisma';
import type { RunningGateway } from '../../src/gateway/start-gateway';
import type { Logger } from '../../src/logger';
import { connectTemporalClient } from '../../src/temporal/connection';
import { createCallWorker } from '../../src/temporal/worker';
import type { Teardown } from './teardown';

export interface InProcessServices {
  apiUrl: string;
  gateway: RunningGateway;
  assembly: string;
}

/**
 * startWorker's parts with a prebuilt workflow bundle: the smoke test's shortcut (bundling takes
 * tens of seconds on two cores). No cache-cleanup schedule. Never used for measurements.
 */
async function startWorkerWithBundle(config: Config, resolved: Resolved, prisma: PrismaClient, codePath: string): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: resolved.temporalAddress });
  const temporal = await connectTemporalClient({ address: resolved.temporalAddress, namespace: config.temporal.namespace });
  const elevenlabs = createElevenLabsClient(config, resolved.elevenlabs);
  const worker = await createCallWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: buildActivities(config, { prisma, elevenlabs, temporal, agentId: resolved.elevenlabs.agentId }),
    workflowBundle: { codePath },
  });
  const done = worker.run().finally(async () => {
    await elevenlabs.close();
    await temporal.connection.close();
    await connection.close();
  });
  return { worker, done };
}

/**
 * The worker, the API and the gateway in this process, each assembled by the production start-up
 * code (src/bootstrap.ts) from the same configuration, with its own database pool and Temporal
 * connections as three processes would have.
 */
export async function startInProcess(config: Config, log: Logger, teardown: Teardown, workflowBundlePath: string | undefined): Promise<InProcessServices> {
  const resolved = requireExternal(config, 'The bench');
  const workerPrisma = await prepareDatabase(resolved.databaseUrl, log.child({ process: 'worker' }), config.database.poolSize);
  teardown.add('disconnect worker database pool', () => workerPrisma.$disconnect());
  const apiPrisma = await prepareDatabase(resolved.databaseUrl, log.child({ process: 'api' }), config.database.poolSize);
  teardown.add('disconnect API database pool', () => apiPrisma.$disconnect());

  const running = workflowBundlePath
    ? await startWorkerWithBundle(config, resolved, workerPrisma, workflowBundlePath)
    : await startWorker(config, resolved, workerPrisma, log.child({ process: 'worker' }));
  teardown.add('stop worker', async () => {
    if (running.worker.getState() === 'RUNNING') running.worker.shutdown();
    await running.done;
  });
  const api = await startApi(config, resolved, apiPrisma, log.child({ process: 'api' }));
  teardown.add('stop API', () => api.close());
  const gateway = await startGatewayProcess(config, resolved, requireThreeCx(config), log.child({ process: 'gateway' }));
  teardown.add('stop gateway', () => gateway.close());
  return {
    apiUrl: api.url,
    gateway,
    assembly: workflowBundlePath
      ? 'startWorker parts with a prebuilt workflow bundle (smoke test), startApi, startGatewayProcess — in this process'
      : 'production: src/bootstrap.ts startWorker, startApi, startGatewayProcess — in this process',
  };
}
