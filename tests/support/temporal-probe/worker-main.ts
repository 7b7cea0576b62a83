import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import { installTemporalRuntime } from '../../../src/temporal/runtime';
import { createCallWorker } from '../../../src/temporal/worker';
import { probeActivities } from './activities';

// A worker process as src/worker.ts runs it (our runtime, createCallWorker, the runtime's SIGTERM
// handling) that knows only the probe workflows. Env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE.
async function main(): Promise<void> {
  installTemporalRuntime({ logLevel: 'WARN', metricsBind: undefined });
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await createCallWorker({ connection, namespace: 'default', taskQueue: process.env.TEMPORAL_TASK_QUEUE!, activities: probeActivities, workflowBundle: { code } });
  console.log('worker polling');
  await worker.run();
  await connection.close();
  console.log('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
