import { MockActivityEnvironment } from '@temporalio/testing';
import { agentCallActivities, type GreetingInput } from '../../src/activities/agent-call';
import { createPrismaClient } from '../../src/db/prisma';
import { startActivityFixture, TEST_AGENT, type ActivityFixture } from '../support/activity-deps';

// An outbound agent call must never be placed twice for one step of one call, whatever fails.
let fx: ActivityFixture;
beforeAll(async () => {
  fx = await startActivityFixture();
});
afterAll(async () => {
  await fx?.close();
});
afterEach(() => fx.sandbox.clearFailures());

const greeting = (callId: string): GreetingInput => ({
  callId,
  callStartedAt: new Date().toISOString(),
  toNumber: '+4915112345678',
  callerId: '+4915112345678',
  greetingVoiceId: 'voice_greeting',
  greetingMessage: 'Hello',
  holdMusicUrl: null,
  autoTransition: true,
});
const placedFor = (callId: string) =>
  fx.sandbox.requests.filter((r) => r.endpoint === 'outboundCall' && (r.json as any)?.conversation_initiation_client_data?.user_id === callId);
const activities = () => agentCallActivities({ prisma: fx.db.prisma, elevenlabs: fx.elevenlabs, agent: TEST_AGENT });
const runGreeting = (env: MockActivityEnvironment, callId: string): Promise<{ conversationId: string }> => env.run(activities().playGreeting, greeting(callId));

test('a POST whose outcome is unknown (5xx after the call was placed) is reconciled, not repeated', async () => {
  fx.sandbox.setFailure('outboundCall', { kind: '500', times: 1, applyEffect: true });
  const callId = `call-test-${Date.now()}`;
  const { conversationId } = await runGreeting(new MockActivityEnvironment(), callId);
  expect(placedFor(callId)).toHaveLength(1);
  expect(fx.sandbox.conversations.get(conversationId)).toBeDefined();
  expect(await fx.db.prisma.callConversation.findUnique({ where: { conversationId } })).toMatchObject({ callId, step: 'greeting' });
});

test('a retry after a crash finds the call the earlier attempt placed', async () => {
  const callId = `call-test-crash-${Date.now()}`;
  // The earlier attempt reached ElevenLabs, then the worker died before recording anything.
  const placed = await fx.elevenlabs.placeOutboundCall({
    telephony: 'sip_trunk',
    agentId: TEST_AGENT.agentId,
    agentPhoneNumberId: TEST_AGENT.phoneNumberId,
    toNumber: '+4915112345678',
    dynamicVariables: { call_step: 'greeting' },
    userId: callId,
  });
  const { conversationId } = await runGreeting(new MockActivityEnvironment({ attempt: 2 }), callId);
  expect(conversationId).toBe(placed.conversationId);
  expect(placedFor(callId)).toHaveLength(1);
});

test('a repeated activity for a recorded step returns the recorded conversation without asking ElevenLabs', async () => {
  const callId = `call-test-repeat-${Date.now()}`;
  const env = new MockActivityEnvironment();
  const first = await env.run(activities().playGreeting, greeting(callId));
  const again = await new MockActivityEnvironment({ attempt: 3 }).run(activities().playGreeting, greeting(callId));
  expect(again).toEqual(first);
  expect(placedFor(callId)).toHaveLength(1);
});

test('a rejected call (4xx) is a non-retryable failure of its error type', async () => {
  fx.sandbox.setFailure('outboundCall', { kind: 'invalid_api_key', times: 1 });
  await expect(new MockActivityEnvironment().run(activities().playGreeting, greeting(`call-test-401-${Date.now()}`))).rejects.toMatchObject({
    type: 'ElevenLabsAuthError',
    nonRetryable: true,
  });
});

test('a 429 is a retryable failure', async () => {
  fx.sandbox.setFailure('outboundCall', { kind: '429', times: 1, retryAfter: '2' });
  await expect(new MockActivityEnvironment().run(activities().playGreeting, greeting(`call-test-429-${Date.now()}`))).rejects.toMatchObject({
    type: 'ElevenLabsRateLimitError',
    nonRetryable: false,
    nextRetryDelay: 2000,
  });
});

test('with the database down, the call is still placed once (the record is the workflow’s separate, retried write)', async () => {
  const deadDatabase = createPrismaClient('postgresql://postgres@127.0.0.1:1/none', 1);
  try {
    const callId = `call-test-nodb-${Date.now()}`;
    const withoutDb = agentCallActivities({ prisma: deadDatabase, elevenlabs: fx.elevenlabs, agent: TEST_AGENT });
    const place = (env: MockActivityEnvironment): Promise<{ conversationId: string }> => env.run(withoutDb.playGreeting, greeting(callId));
    const { conversationId } = await place(new MockActivityEnvironment());
    expect(placedFor(callId)).toHaveLength(1);
    // A retry while the database is still down asks ElevenLabs instead of placing again.
    const again = await place(new MockActivityEnvironment({ attempt: 2 }));
    expect(again.conversationId).toBe(conversationId);
    expect(placedFor(callId)).toHaveLength(1);
    await new MockActivityEnvironment().run(activities().recordConversation, { callId, step: 'greeting' as const, conversationId, voiceId: 'voice_greeting' });
    expect(await fx.db.prisma.callConversation.findUnique({ where: { conversationId } })).toMatchObject({ callId, step: 'greeting' });
  } finally {
    await deadDatabase.$disconnect();
  }
});

test('the first attempt of a call’s first run places at once; later attempts and other runs look first', async () => {
  const deadDatabase = createPrismaClient('postgresql://postgres@127.0.0.1:1/none', 1);
  try {
    const callId = `call-test-firstrun-${Date.now()}`;
    const withoutDb = agentCallActivities({ prisma: deadDatabase, elevenlabs: fx.elevenlabs, agent: TEST_AGENT });
    const lookups = () => fx.sandbox.requests.filter((r) => r.endpoint === 'conversations.list' && r.query.user_id === callId).length;
    const input: GreetingInput = { ...greeting(callId), firstRunOfCall: true };
    const place = (env: MockActivityEnvironment, i: GreetingInput): Promise<{ conversationId: string }> => env.run(withoutDb.playGreeting, i);
    const { conversationId } = await place(new MockActivityEnvironment(), input);
    // Neither the (unreachable) table nor ElevenLabs was asked: nothing can exist before attempt 1.
    expect(lookups()).toBe(0);
    expect(placedFor(callId)).toHaveLength(1);
    // Attempt 2 of the same run, and attempt 1 of a reset run (firstRunOfCall false), look first.
    expect(await place(new MockActivityEnvironment({ attempt: 2 }), input)).toEqual({ conversationId });
    expect(await place(new MockActivityEnvironment(), { ...input, firstRunOfCall: false })).toEqual({ conversationId });
    expect(lookups()).toBe(2);
    expect(placedFor(callId)).toHaveLength(1);
  } finally {
    await deadDatabase.$disconnect();
  }
});
