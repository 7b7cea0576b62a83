import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { agentCallRequests, callResult, eventually, placeCall, uniqueCaller } from '../support/calls';
import { startTestStack, type TestStack } from '../support/stack';
import { startTimeSkippingTemporal } from '../support/temporal';

// The production limits (CLONE_MAX_WAIT_SECONDS=35, MAX_CALL_DURATION_SECONDS=3600) on the
// time-skipping test server: its clock jumps over the workflow timers, so no test waits 35 s or 1 h.
jest.setTimeout(120_000);

let temporal: TestWorkflowEnvironment;
let stack: TestStack;
beforeAll(async () => {
  temporal = await startTimeSkippingTemporal();
  stack = await startTestStack({ temporal, env: { CLONE_MAX_WAIT_SECONDS: '35', MAX_CALL_DURATION_SECONDS: '3600' } });
});
afterAll(async () => {
  await stack?.stop();
  await temporal?.teardown();
});

// The test server only skips time while no activity is running, so "slower than 35 s" is a clone
// request that ElevenLabs rate-limits with Retry-After: 60 (the retry waits in a server timer).
test('a clone that takes longer than 35 s falls back to the default voice after exactly 35 s of workflow time', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.setFailure('voices.add', { kind: '429', times: 1, retryAfter: '60' });
  const wallStart = Date.now();
  const { workflowId } = await placeCall(stack, { caller_id: caller });
  const outcome = await callResult(stack, workflowId);
  expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: 'clone_timeout' });
  const waited = Date.parse(outcome.steps.voiceReady!) - Date.parse(outcome.steps.cloning!);
  expect(waited).toBeGreaterThanOrEqual(35_000);
  expect(waited).toBeLessThan(36_000);
  expect(Date.now() - wallStart).toBeLessThan(30_000);
  expect(agentCallRequests(stack, workflowId, 'agent')).toHaveLength(1);
  // The clone job goes on after the call's fallback: its retry (60 s later, skipped) fills the cache.
  await stack.env.client.workflow.getHandle(`clone-${caller}`).result();
  expect(await stack.db.prisma.voiceCloneCache.count({ where: { callerId: caller } })).toBe(1);
});

test('with no post-call webhook and no hang-up, the call is closed after MAX_CALL_DURATION_SECONDS from the fetched conversation', async () => {
  stack.sandbox.configure({ webhookUrl: 'http://127.0.0.1:9/lost' });
  const { workflowId } = await placeCall(stack);
  // The server's clock only jumps while we await the result: first let the simulated conversation
  // finish at the sandbox in real time.
  const agent = await eventually(
    () => [...stack.sandbox.conversations.values()].find((c) => c.userId === workflowId && c.dynamicVariables.call_step === 'agent'),
    (c) => c !== undefined && Date.now() > c.doneAtMs,
  );
  expect(agent).toBeDefined();
  const outcome = await callResult(stack, workflowId);
  expect(outcome.phase).toBe('completed');
  expect(Date.parse(outcome.steps.ended!) - Date.parse(outcome.steps.transferred!)).toBeGreaterThanOrEqual(3_600_000);
  const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
  expect(row.transcript).toMatch(/agent: /);
});
