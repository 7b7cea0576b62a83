import { handoffActivities, type LeaseSipNumberInput } from '../../src/activities/handoff';
import { matchPendingHandoff } from '../../src/db/pending-handoffs';
import { createTestDatabase, type TestDatabase } from '../support/db';

// SIP mode's correlation: a pending hand-off leases one of the agent's numbers until ElevenLabs'
// conversation-init webhook matches it, and the webhook answers from that row alone.

let db: TestDatabase;
let activities: ReturnType<typeof handoffActivities>;
beforeAll(async () => {
  db = await createTestDatabase();
  activities = handoffActivities({ prisma: db.prisma });
});
afterAll(async () => {
  await db?.drop();
});

const NUMBERS = ['+4930100001', '+4930100002'];
const lease = (callId: string, overrides: Partial<LeaseSipNumberInput> = {}) =>
  activities.leaseSipNumber({
    callId,
    attempt: 1,
    numbers: NUMBERS,
    expirySeconds: 60,
    callerId: '+4915112345678',
    voiceId: `voice_${callId}`,
    voiceSource: 'clone',
    firstMessage: 'Thanks for holding.',
    dynamicVariables: { call_id: callId, caller_name: '', voice_source: 'clone', fallback_reason: '' },
    ...overrides,
  });

test('numbers are leased one call at a time, least recently used first; a retry of the same attempt gets the same number', async () => {
  const first = await lease('call-a');
  const second = await lease('call-b');
  expect(new Set([first.sipNumber, second.sipNumber])).toEqual(new Set(NUMBERS));
  expect(await lease('call-a')).toEqual(first);
  await expect(lease('call-c')).rejects.toMatchObject({ type: 'SipNumbersBusy' });
  await activities.releaseSipNumber({ callId: 'call-a', attempt: 1 });
  expect((await lease('call-c')).sipNumber).toBe(first.sipNumber);
});

test('concurrent leases never share a number', async () => {
  await db.prisma.pendingHandoff.deleteMany();
  const results = await Promise.allSettled(['c1', 'c2', 'c3', 'c4'].map((id) => lease(id)));
  const numbers = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ sipNumber: string }>).value.sipNumber);
  expect(numbers.sort()).toEqual([...NUMBERS].sort());
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
});

test('the webhook lookup answers with the leased voice, by number first, then by caller; a match frees the number', async () => {
  await db.prisma.pendingHandoff.deleteMany();
  const { sipNumber } = await lease('call-x', { voiceId: 'voice_x' });
  const match = await matchPendingHandoff(db.prisma, { calledNumber: sipNumber, callerId: null, conversationId: 'conv_x' });
  expect(match?.callId).toBe('call-x');
  expect(match?.initiationData).toMatchObject({
    type: 'conversation_initiation_client_data',
    user_id: 'call-x',
    conversation_config_override: { tts: { voice_id: 'voice_x' }, agent: { first_message: 'Thanks for holding.' } },
    dynamic_variables: { call_id: 'call-x' },
  });
  expect(await matchPendingHandoff(db.prisma, { calledNumber: sipNumber, callerId: null, conversationId: null })).toBeNull();
  expect((await db.prisma.pendingHandoff.findFirstOrThrow({ where: { callId: 'call-x' } })).conversationId).toBe('conv_x');
  expect((await lease('call-y')).sipNumber).toBeDefined();

  await lease('call-z', { callerId: '+4917000000001', attempt: 2 });
  const byCaller = await matchPendingHandoff(db.prisma, { calledNumber: '+4999999999', callerId: '+4917000000001', conversationId: null });
  expect(byCaller?.callId).toBe('call-z');
});

test('an expired hand-off is never matched, and its number is free again', async () => {
  await db.prisma.pendingHandoff.deleteMany();
  const { sipNumber } = await lease('call-old', { expirySeconds: 10 });
  await db.prisma.pendingHandoff.updateMany({ where: { callId: 'call-old' }, data: { expiresAt: new Date(Date.now() - 1000) } });
  expect(await matchPendingHandoff(db.prisma, { calledNumber: sipNumber, callerId: '+4915112345678', conversationId: null })).toBeNull();
  await lease('call-new-1');
  await lease('call-new-2');
  expect(await db.prisma.pendingHandoff.count({ where: { sipNumber, callId: { startsWith: 'call-new' } } })).toBe(1);
});

test('recordHandoff marks the voice as in use on the call log, records the conversation and the transfer once', async () => {
  await db.prisma.callLog.create({ data: { callId: 'call-h', threecxCallId: '1', callerId: '+4915112345678', status: 'initiated' } });
  const input = { callId: 'call-h', conversationId: 'conv_h', sipNumber: null, voiceId: 'voice_h', voiceSource: 'clone' as const, mode: 'bridge' as const };
  await activities.recordHandoff(input);
  await activities.recordHandoff(input);
  expect(await db.prisma.callLog.findUniqueOrThrow({ where: { callId: 'call-h' } })).toMatchObject({ clonedVoiceId: 'voice_h' });
  expect(await db.prisma.callConversation.findUniqueOrThrow({ where: { conversationId: 'conv_h' } })).toMatchObject({ callId: 'call-h', step: 'agent' });
  expect(await db.prisma.cloneTransferEvent.count({ where: { greetingCallId: 'call-h' } })).toBe(1);
});
