import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WORKER_SHUTDOWN_GRACE_MS } from '../../src/temporal/worker';
import { REPO_ROOT } from '../support/env';
import { spawnService, type ServiceProcess } from '../support/process';
import { startTestTemporal } from '../support/temporal';
import type { slowStepWorkflow } from '../support/temporal-probe/workflows';

// A deploy stops the worker with SIGTERM. What it is running then must finish (and be reported)
// before the process exits; and it must exit before the container's stop period ends in SIGKILL.
jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
const processes: ServiceProcess[] = [];
beforeAll(async () => {
  env = await startTestTemporal();
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await env?.teardown();
});

async function startProbeWorker(taskQueue: string): Promise<ServiceProcess> {
  const worker = spawnService('tests/support/temporal-probe/worker-main.ts', { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue });
  processes.push(worker);
  await worker.waitFor(/worker polling/, 60_000);
  return worker;
}

test('SIGTERM while an activity runs: the activity finishes and is reported, then the worker exits 0', async () => {
  const taskQueue = `sigterm-${randomBytes(4).toString('hex')}`;
  const worker = await startProbeWorker(taskQueue);
  const handle = await env.client.workflow.start<typeof slowStepWorkflow>('slowStepWorkflow', { taskQueue, workflowId: taskQueue, args: [3_000] });
  await worker.waitFor(/slow step started/, 20_000);

  const signalledAt = Date.now();
  const exitCode = await worker.stop('SIGTERM', WORKER_SHUTDOWN_GRACE_MS + 10_000);
  const stoppedAfterMs = Date.now() - signalledAt;

  expect(exitCode).toBe(0);
  expect(worker.output()).toMatch(/worker stopped/);
  expect(stoppedAfterMs).toBeLessThan(WORKER_SHUTDOWN_GRACE_MS);
  // Reported by the worker that was told to stop (no other worker polls this queue).
  const { events } = await handle.fetchHistory();
  const outcomes = (events ?? []).filter((e) => e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes);
  expect(outcomes).toHaveLength(1);
  const result = outcomes[0]!.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  expect(result && defaultPayloadConverter.fromPayload(result)).toEqual({ pid: worker.child.pid });
});

test('the shutdown grace ends before docker-compose kills the worker', () => {
  const compose = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  const worker = /^ {2}worker:\n(?: {4}.*\n)*? {4}stop_grace_period: (\d+)s\b/m.exec(compose);
  expect(worker).not.toBeNull();
  expect(WORKER_SHUTDOWN_GRACE_MS).toBeLessThan(Number(worker![1]) * 1000);
});
