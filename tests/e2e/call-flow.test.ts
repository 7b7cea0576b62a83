import { callCompletedSignal } from '../../src/contracts/messages';
import { startTestStack, type TestStack } from '../support/stack';
import { incomingCall, post3cx } from '../support/threecx';
import {
  agentCallRequests,
  callResult,
  callStatus,
  cloneRequests,
  eventually,
  maybeRecordHistory,
  placeCall,
  uniqueCaller,
} from '../support/calls';

// The product, end to end: real Temporal server, real PostgreSQL, the ElevenLabs sandbox over HTTP
// (it places simulated calls and posts signed post-call webhooks back to the API).
jest.setTimeout(60_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { CLONE_MAX_WAIT_SECONDS: '4', POST_CALL_GRACE_SECONDS: '1' } });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  stack.sandbox.clearFailures();
  stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 }, webhookUrl: `${stack.apiUrl}/webhook/elevenlabs/postcall` });
});

const voiceOf = (r: { json?: unknown }) => (r.json as any).conversation_initiation_client_data.conversation_config_override.tts.voice_id as string;

describe('callWorkflow', () => {
  test('cache hit: greeting, then the agent with the cached clone, no clone request; reuse counted', async () => {
    const caller = uniqueCaller();
    await stack.db.prisma.voiceCloneCache.create({
      data: { callerId: caller, clonedVoiceId: 'voice_cached_1', ttlExpiresAt: new Date(Date.now() + 3_600_000) },
    });
    const clonesBefore = cloneRequests(stack).length;
    const { workflowId } = await placeCall(stack, { caller_id: caller });
    const outcome = await callResult(stack, workflowId);

    expect(outcome.phase).toBe('completed');
    expect(outcome.voice).toEqual({ source: 'cache', voiceId: 'voice_cached_1', fallbackReason: null });
    expect(cloneRequests(stack).length).toBe(clonesBefore);
    const [greeting] = agentCallRequests(stack, workflowId, 'greeting');
    const [agent] = agentCallRequests(stack, workflowId, 'agent');
    expect(voiceOf(greeting!)).toBe(stack.config.greeting.voiceId);
    expect((greeting!.json as any).conversation_initiation_client_data.conversation_config_override.agent.first_message).toBe(stack.config.greeting.message);
    expect((greeting!.json as any).conversation_initiation_client_data.dynamic_variables).toMatchObject({ mode: 'greeting_with_music', caller_id: caller });
    expect(voiceOf(agent!)).toBe('voice_cached_1');
    expect((agent!.json as any).conversation_initiation_client_data.dynamic_variables).toMatchObject({ from_greeting: outcome.conversations.greeting, voice_source: 'cache' });
    expect(greeting!.receivedAt).toBeLessThan(agent!.receivedAt);

    const cache = await stack.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: caller } });
    expect(cache.reuseCount).toBe(2);
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row).toMatchObject({ status: 'completed', clonedVoiceId: 'voice_cached_1' });
    expect(row.transcript).toMatch(/agent: /);
    expect(row.durationSeconds).not.toBeNull();
    expect(await stack.db.prisma.cloneTransferEvent.count({ where: { agentCallId: outcome.conversations.agent! } })).toBe(1);
    await maybeRecordHistory(stack, workflowId, 'call-cache-hit');
  });

  test('cache miss: the caller’s sample is cloned once, cached, and the agent speaks with it', async () => {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    const clonesBefore = cloneRequests(stack).length;
    const { workflowId } = await placeCall(stack, { caller_id: caller });
    const outcome = await callResult(stack, workflowId);

    expect(outcome.phase).toBe('completed');
    expect(outcome.voice.source).toBe('clone');
    const clones = cloneRequests(stack).slice(clonesBefore);
    expect(clones).toHaveLength(1);
    expect(clones[0]!.multipart!.fieldNames).toEqual(expect.arrayContaining(['name', 'files']));
    const voiceId = (clones[0]!.responseJson as any).voice_id as string;
    expect(outcome.voice.voiceId).toBe(voiceId);
    expect(voiceOf(agentCallRequests(stack, workflowId, 'agent')[0]!)).toBe(voiceId);

    const cache = await stack.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: caller, deletedAt: null } });
    expect(cache.clonedVoiceId).toBe(voiceId);
    expect(cache.ttlExpiresAt.getTime() - cache.createdAt.getTime()).toBeCloseTo(stack.config.cache.ttlSeconds * 1000, -3);
    const log = await stack.db.prisma.voiceCloneLog.findFirstOrThrow({ where: { callerId: caller } });
    expect(log).toMatchObject({ status: 'success', clonedVoiceId: voiceId });
    expect(log.apiResponseTimeMs).toBeGreaterThan(0);
    expect(log.sampleFileSizeBytes).toBeGreaterThan(1000);
    const ready = await stack.db.prisma.cloneReadyEvent.findFirstOrThrow({ where: { callerId: caller } });
    expect(ready).toMatchObject({ clonedVoiceId: voiceId, greetingCallId: outcome.conversations.greeting });
    const events = await stack.db.prisma.postCallEvent.findMany({ where: { callId: workflowId } });
    expect(events.map((e) => e.conversationId)).toContain(outcome.conversations.agent);
    expect(events.every((e) => e.deliveredAt !== null)).toBe(true);
    await maybeRecordHistory(stack, workflowId, 'call-clone');
    await maybeRecordHistory(stack, `clone-${caller}`, 'voice-clone');
  });

  test('a clone slower than CLONE_MAX_WAIT_SECONDS → default voice (clone_timeout); the late clone still fills the cache', async () => {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    stack.sandbox.configure({ cloneLatencyMs: 6000 });
    const { workflowId } = await placeCall(stack, { caller_id: caller });
    const outcome = await callResult(stack, workflowId);

    expect(outcome.voice).toEqual({ source: 'default', voiceId: stack.config.call.defaultVoiceId, fallbackReason: 'clone_timeout' });
    const waited = Date.parse(outcome.steps.voiceReady!) - Date.parse(outcome.steps.cloning!);
    expect(waited).toBeGreaterThanOrEqual(4000);
    expect(waited).toBeLessThan(5500);
    expect(voiceOf(agentCallRequests(stack, workflowId, 'agent')[0]!)).toBe(stack.config.call.defaultVoiceId);
    const cached = await eventually(
      () => stack.db.prisma.voiceCloneCache.findFirst({ where: { callerId: caller, deletedAt: null } }),
      (row) => row !== null,
      10_000,
    );
    expect(cached).not.toBeNull();
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row.metadata).toMatchObject({ voice_source: 'default', fallback_reason: 'clone_timeout' });
    await maybeRecordHistory(stack, workflowId, 'call-clone-timeout');
  });

  test('a clone rejected with a 4xx (voice_limit_reached) → default voice at once, no retries', async () => {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    stack.sandbox.setFailure('voices.add', { kind: 'voice_limit_reached' });
    const clonesBefore = cloneRequests(stack).length;
    const { workflowId } = await placeCall(stack, { caller_id: caller });
    const outcome = await callResult(stack, workflowId);

    expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: 'clone_failed' });
    expect(outcome.lastError).toMatch(/maximum amount of custom voices/);
    expect(cloneRequests(stack).length - clonesBefore).toBe(1);
    expect(Date.parse(outcome.steps.voiceReady!) - Date.parse(outcome.steps.cloning!)).toBeLessThan(3000);
    const failed = await stack.db.prisma.cloneFailedEvent.findFirstOrThrow({ where: { callerId: caller } });
    expect(failed.errorMessage).toMatch(/clone_failed/);
    expect(await stack.db.prisma.voiceCloneLog.findFirstOrThrow({ where: { callerId: caller } })).toMatchObject({ status: 'failed' });
  });

  test('a 429 from the clone endpoint is retried after its Retry-After, then the clone is used', async () => {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    stack.sandbox.setFailure('voices.add', { kind: '429', times: 1, retryAfter: '1' });
    const clonesBefore = cloneRequests(stack).length;
    const { workflowId } = await placeCall(stack, { caller_id: caller });
    const outcome = await callResult(stack, workflowId);

    const clones = cloneRequests(stack).slice(clonesBefore);
    expect(clones.map((r) => r.status)).toEqual([429, 200]);
    expect(clones[1]!.receivedAt - clones[0]!.respondedAt!).toBeGreaterThanOrEqual(900);
    expect(outcome.voice.source).toBe('clone');
  });

  test('no sample registered → default voice (no_sample), no clone request', async () => {
    const clonesBefore = cloneRequests(stack).length;
    const { workflowId } = await placeCall(stack, { caller_id: uniqueCaller() });
    const outcome = await callResult(stack, workflowId);
    expect(outcome.voice).toMatchObject({ source: 'default', fallbackReason: 'no_sample' });
    expect(cloneRequests(stack).length).toBe(clonesBefore);
    expect(outcome.phase).toBe('completed');
    const { callerId: caller } = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    // No attempt at ElevenLabs, so nothing in voice_clone_log; the failure event names the greeting conversation.
    expect(await stack.db.prisma.voiceCloneLog.count({ where: { callerId: caller } })).toBe(0);
    expect(await stack.db.prisma.cloneFailedEvent.findFirstOrThrow({ where: { callerId: caller } })).toMatchObject({ greetingCallId: outcome.conversations.greeting });
    await maybeRecordHistory(stack, workflowId, 'call-no-sample');
  });

  test('an internal caller gets the default voice; a withheld caller cannot be dialled and is recorded as failed', async () => {
    const internal = await placeCall(stack, { caller_id: '101' });
    const internalOutcome = await callResult(stack, internal.workflowId);
    expect(internalOutcome.voice).toMatchObject({ source: 'default', fallbackReason: 'internal_caller' });
    expect((agentCallRequests(stack, internal.workflowId, 'greeting')[0]!.json as any).to_number).toBe('101');

    const anonymous = await placeCall(stack, { caller_id: 'anonymous' });
    const outcome = await callResult(stack, anonymous.workflowId);
    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'no_dialable_number', voice: { source: 'default', fallbackReason: 'caller_withheld' } });
    expect(agentCallRequests(stack, anonymous.workflowId)).toHaveLength(0);
    expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: anonymous.workflowId } })).toMatchObject({ status: 'failed', callerId: 'anonymous' });
  });

  test('a duplicate webhook places one greeting', async () => {
    const { workflowId, body } = await placeCall(stack);
    const again = await post3cx(stack.apiUrl, body);
    expect(again.json).toMatchObject({ workflow_id: workflowId, duplicate: true });
    await callResult(stack, workflowId);
    expect(agentCallRequests(stack, workflowId, 'greeting')).toHaveLength(1);
    expect(agentCallRequests(stack, workflowId, 'agent')).toHaveLength(1);
  });

  test('three concurrent calls from one caller make one clone request and all use the clone', async () => {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    stack.sandbox.configure({ cloneLatencyMs: 1500 });
    const clonesBefore = cloneRequests(stack).length;
    const calls = await Promise.all([0, 1, 2].map(() => placeCall(stack, { caller_id: caller })));
    const outcomes = await Promise.all(calls.map((c) => callResult(stack, c.workflowId)));

    expect(cloneRequests(stack).length - clonesBefore).toBe(1);
    const voiceId = outcomes[0]!.voice.voiceId;
    for (const outcome of outcomes) expect(outcome.voice).toEqual({ source: 'clone', voiceId, fallbackReason: null });
    expect(await stack.db.prisma.voiceCloneCache.count({ where: { callerId: caller } })).toBe(1);
  });

  test('a lost post-call webhook is recovered by fetching the conversation', async () => {
    stack.sandbox.configure({ webhookUrl: 'http://127.0.0.1:9/lost' });
    const { workflowId, body } = await placeCall(stack);
    await eventually(() => callStatus(stack, workflowId), (s) => s.phase === 'in_agent_call');
    // Let the simulated conversation finish at the sandbox, then the caller hangs up.
    await new Promise((r) => setTimeout(r, 800));
    await post3cx(stack.apiUrl, { ...body, event_type: 'CallEnded' });
    const outcome = await callResult(stack, workflowId);
    expect(outcome.phase).toBe('completed');
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row.transcript).toMatch(/agent: /);
    expect(stack.sandbox.requests.some((r) => r.endpoint === 'conversations.get' && r.path.endsWith(outcome.conversations.agent!))).toBe(true);
    await maybeRecordHistory(stack, workflowId, 'call-lost-webhook');
  });

  test('CallEnded mid-clone stops the call before any transfer; the clone still completes', async () => {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    stack.sandbox.configure({ cloneLatencyMs: 2500 });
    const { workflowId, body } = await placeCall(stack, { caller_id: caller });
    await eventually(() => callStatus(stack, workflowId), (s) => s.phase === 'cloning');
    const ended = await post3cx(stack.apiUrl, { ...body, event_type: 'CallEnded', duration: 3, recording_url: 'https://pbx.example/rec/42.wav' });
    expect(ended.status).toBe(202);
    const outcome = await callResult(stack, workflowId);
    expect(outcome.phase).toBe('completed');
    expect(outcome.steps.callerHungUp).toBeDefined();
    expect(outcome.conversations.agent).toBeNull();
    expect(agentCallRequests(stack, workflowId, 'agent')).toHaveLength(0);
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } });
    expect(row).toMatchObject({ status: 'completed', durationSeconds: 3 });
    expect(row.metadata).toMatchObject({ recording_url: 'https://pbx.example/rec/42.wav', end_reason: 'caller_hung_up' });
    expect(await eventually(() => stack.db.prisma.voiceCloneCache.count({ where: { callerId: caller } }), (n) => n > 0)).toBe(1);
  });

  test('with every ElevenLabs voice slot taken, the least-recently-used cached clone is evicted before cloning', async () => {
    const oldCaller = uniqueCaller();
    const { voiceId: oldVoice } = await stack.elevenlabs.createVoiceClone({ name: 'old', samples: [{ data: Buffer.from('RIFF'), fileName: 'a.wav' }] });
    await stack.db.prisma.voiceCloneCache.create({
      data: { callerId: oldCaller, clonedVoiceId: oldVoice, ttlExpiresAt: new Date(Date.now() + 3_600_000), lastUsedAt: new Date(Date.now() - 86_400_000) },
    });
    const { voiceSlotsUsed } = await stack.elevenlabs.getSubscription();
    stack.sandbox.configure({ voiceLimit: voiceSlotsUsed });
    try {
      const caller = uniqueCaller();
      await stack.registerVoiceSample(caller);
      const { workflowId } = await placeCall(stack, { caller_id: caller });
      const outcome = await callResult(stack, workflowId);
      expect(outcome.voice.source).toBe('clone');
      expect(stack.sandbox.voices.has(oldVoice)).toBe(false);
      expect(await stack.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { clonedVoiceId: oldVoice } })).toMatchObject({ deletedAt: expect.any(Date), voiceDeletedAt: expect.any(Date) });
    } finally {
      stack.sandbox.configure({ voiceLimit: 100 });
    }
  });

  test('an IncomingCall for an outbound call is acknowledged and starts nothing', async () => {
    const body = incomingCall({ direction: 'Out' });
    const res = await post3cx(stack.apiUrl, body);
    expect(res).toEqual({ status: 202, json: expect.objectContaining({ status: 'ignored', reason: 'outbound_call', duplicate: false }) });
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.env.client.workflow.count(`ThreeCxCallId = '${body.call_id as string}'`)).count).toBe(0);
  });

  test('a call_initiation_failure for the agent conversation fails the call', async () => {
    const { workflowId } = await placeCall(stack);
    const status = await eventually(() => callStatus(stack, workflowId), (s) => s.phase === 'in_agent_call');
    await stack.env.client.workflow.getHandle(workflowId).signal(callCompletedSignal, {
      conversationId: status.conversations.agent!,
      kind: 'call_initiation_failure',
      status: 'failed',
      durationSeconds: null,
      transcript: null,
      failureReason: 'no-answer',
    });
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'agent_call_not_connected' });
  });
});
