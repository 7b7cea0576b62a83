import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createLogger } from '../../../src/logger';
import { installTemporalRuntime } from '../../../src/temporal/runtime';
import { probeActivities } from '../../support/temporal-probe/activities';
import { startTestTemporal } from '../../support/temporal';

// The Temporal SDK logs workflow ids, activity arguments and error texts. Through our runtime they
// come out as our JSON lines, phone numbers masked, never in clear on stderr.

const NUMBER = '+4930123456';
const MASKED = '+49301**456';
const lines: string[] = [];
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  installTemporalRuntime({ logLevel: 'INFO', metricsBind: undefined, log: createLogger('info', {}, { write: (line: string) => void lines.push(line) }) });
  env = await startTestTemporal();
});
afterAll(async () => {
  await env?.teardown();
});

async function logEntry(match: (entry: Record<string, any>) => boolean): Promise<Record<string, any> | undefined> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const found = lines.map((line) => JSON.parse(line) as Record<string, any>).find(match);
    if (found) return found;
  }
  return undefined;
}

test('an activity failure logged by the SDK names the workflow and the error with the phone number masked', async () => {
  const taskQueue = `sdk-logs-${randomBytes(4).toString('hex')}`;
  const workflowId = `clone-${NUMBER}-${taskQueue}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../support/temporal-probe/workflows'),
    activities: probeActivities,
  });
  const failure = await worker.runUntil(
    env.client.workflow.execute('failingStepWorkflow', { taskQueue, workflowId, args: [`no voice sample for ${NUMBER}`] }).catch((err: unknown) => err),
  );
  expect(failure).toBeInstanceOf(Error);

  // Forwarded SDK logs are buffered for 100 ms.
  const activityFailed = await logEntry((e) => e.msg === 'Activity failed');
  expect(activityFailed).toMatchObject({
    level: 40,
    component: 'temporal',
    sdkComponent: 'worker',
    taskQueue,
    workflowId: `clone-${MASKED}-${taskQueue}`,
    err: expect.objectContaining({ message: `no voice sample for ${MASKED}` }),
  });
  expect(lines.join('')).not.toContain(NUMBER.slice(1));
});
