import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { callLogActivities } from '../../src/activities/call-log';
import { toCallCompleted, type PostCallRoutable } from '../../src/api/post-call';
import { callWorkflowId } from '../../src/contracts/call';
import { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { parsePostCallWebhook } from '../../src/integrations/elevenlabs/postcall-payload';
import { voiceCloneWorkflowId } from '../../src/temporal/caller-key';
import { postElevenLabs, serveApi, transcription, type ApiApp } from '../support/api-app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestTemporal } from '../support/temporal';

// Signed post-call webhooks that are valid but hostile: a user_id naming a workflow that is not a
// call, and text PostgreSQL cannot store.
jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let app: ApiApp;
// The API needs one; nothing here reaches ElevenLabs.
const elevenlabs = new ElevenLabsClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'sk_unused' });
beforeAll(async () => {
  env = await startTestTemporal();
  db = await createTestDatabase();
  app = await serveApi({ temporal: env.client, prisma: db.prisma, databaseUrl: db.url, elevenlabs });
});
afterAll(async () => {
  await app?.close();
  await elevenlabs.close();
  await db?.drop();
  await env?.teardown();
});

const conversation = () => `conv_${randomBytes(6).toString('hex')}`;

describe('user_id naming a workflow that is not a call', () => {
  // Started on a queue no worker polls: they stay RUNNING and record every signal they are sent.
  const idle = `nobody-polls-${randomBytes(4).toString('hex')}`;

  test.each([
    ['a caller’s clone job', 'voiceCloneWorkflow', voiceCloneWorkflowId('+4915112345678')],
    ['a cache cleanup under a call-shaped id', 'cacheCleanupWorkflow', callWorkflowId('acme.3cx.eu', `cleanup-${randomBytes(3).toString('hex')}`)],
    ['a workflow id one dash away from a call id', 'cacheCleanupWorkflow', `call-acme-3cx-eu-${randomBytes(3).toString('hex')}`],
  ])('%s: stored as an unknown call, nothing signalled', async (_what, workflowType, workflowId) => {
    const handle = await env.client.workflow.start(workflowType, { workflowId, taskQueue: idle, args: [{}] });
    const conversationId = conversation();
    const answer = await postElevenLabs(app, transcription(conversationId, workflowId, [{ role: 'user', message: 'hello' }]));

    expect(answer).toEqual({ status: 200, json: expect.objectContaining({ status: 'stored', reason: 'unknown_call', callId: null }) });
    const { events } = await handle.fetchHistory();
    expect((events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes)).toEqual([]);
    expect(await db.prisma.postCallEvent.count({ where: { conversationId } })).toBe(1);
    await handle.terminate('test done');
  });
});

describe('NUL characters in a signed transcript', () => {
  test('the webhook is stored readably and the call log row becomes final', async () => {
    const callId = callWorkflowId('acme.3cx.eu', `nul-${randomBytes(3).toString('hex')}`);
    await db.prisma.callLog.create({ data: { callId, threecxCallId: 'nul', callerId: '+4915112345678', status: 'initiated' } });
    const conversationId = conversation();
    const payload = transcription(conversationId, callId, [
      { role: 'agent', message: 'Hello\u0000, how can I help?' },
      { role: 'user', message: 'My order\u0000\u0000 4711' },
    ]);

    const answer = await postElevenLabs(app, payload);
    expect(answer).toEqual({ status: 200, json: expect.objectContaining({ status: 'stored', reason: 'call_not_running', callId }) });
    // json keeps `\u0000` but PostgreSQL cannot turn it back into text (->>): the statistics and any
    // reader of the payload would fail on it.
    const stored = await db.prisma.$queryRaw<{ message: string }[]>`
      SELECT payload->'transcript'->1->>'message' AS message FROM post_call_events WHERE conversation_id = ${conversationId}`;
    expect(stored).toEqual([{ message: 'My order\uFFFD\uFFFD 4711' }]);

    // What the call workflow is handed, written by the activity that ends the call.
    const completed = toCallCompleted(parsePostCallWebhook(payload) as PostCallRoutable);
    await new MockActivityEnvironment().run(callLogActivities({ prisma: db.prisma }).finalizeCallLog, {
      callId,
      status: 'completed' as const,
      endedAt: new Date().toISOString(),
      durationSeconds: completed.durationSeconds,
      transcript: `${completed.transcript}\u0000`,
      clonedVoiceId: null,
      metadata: { agent_conversation_id: conversationId, termination_reason: 'ended\u0000by agent' },
    });
    const row = await db.prisma.callLog.findUniqueOrThrow({ where: { callId } });
    expect(row).toMatchObject({ status: 'completed', callEndedAt: expect.any(Date), durationSeconds: 30 });
    expect(row.transcript).toMatch(/^agent: Hello\W*, how can I help\?\nuser: My order\W* 4711\W*$/);
    expect(row.transcript).not.toContain('\u0000');
    const [meta] = await db.prisma.$queryRaw<{ reason: string }[]>`SELECT metadata->>'termination_reason' AS reason FROM call_log WHERE call_id = ${callId}`;
    expect(meta).toEqual({ reason: 'ended\uFFFDby agent' });
  });
});
