import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { agentDisconnectedSignal, callCompletedSignal, callEndedSignal, handOffNowUpdate, mediaRestartedSignal, retryCloneUpdate, statusQuery, useDefaultVoiceUpdate } from '../../src/contracts/messages';
import { startTimeSkippingTemporal } from '../support/temporal';
import { callHarness } from './support/call-harness';

// The call workflow's branches on the time-skipping server with stand-in activities: seconds,
// no database. What is asserted is what the caller and the call log would see: the gateway steps
// (what is played, where the call goes), the voice, the phase and the final call_log row.
jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingTemporal();
});
afterAll(async () => {
  await env?.teardown();
});

const h = callHarness(() => env);
const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; steps: ${h.steps().join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
/** The reason an operator update was refused with. */
const refusal = async (update: Promise<unknown>): Promise<string> => {
  const err = await update.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause?.message ?? '';
};
/** The workflow has taken the hand-off's answer (the agent has the call). */
const inAgentCall = async (callId: string) => {
  await until(() => h.steps().includes('connectAgent') || h.steps().includes('routeCall'), 'the hand-off');
  const handle = env.client.workflow.getHandle(callId);
  while ((await handle.query(statusQuery)).phase !== 'in_agent_call') await new Promise((r) => setTimeout(r, 20));
};
/** The agent ends its conversation normally; the post-call webhook is a separate signal. */
const agentEndsConversation = async (callId: string) => {
  await inAgentCall(callId);
  await env.client.workflow.getHandle(callId).signal(agentDisconnectedSignal, { conversationId: 'conv_1', at: new Date().toISOString(), code: 1000, reason: '', normal: true });
};
/** A call whose agent ends the conversation normally and whose post-call webhook never comes; its outcome. */
const callWithoutWebhook = async () => {
  const input = h.input();
  await h.start(input);
  await agentEndsConversation(input.callId);
  return h.result(input.callId);
};
/** The agent ends its conversation and the post-call webhook arrives. */
const conversationEnds = async (callId: string) => {
  await agentEndsConversation(callId);
  await env.client.workflow.getHandle(callId).signal(callCompletedSignal, { conversationId: 'conv_1', kind: 'post_call_transcription', status: 'done', durationSeconds: 42, transcript: 'agent: hi', failureReason: null });
};

test('cache hit: hold, then the agent with the cached voice; never the cloning phase', async () => {
  await h.run({ main: { findCachedVoice: () => ({ voiceId: 'voice_cached', expiresAt: new Date().toISOString(), reuseCount: 2 }) } }, async () => {
    const input = h.input();
    await h.start(input);
    await conversationEnds(input.callId);
    const outcome = await h.result(input.callId);
    expect(outcome.phase).toBe('completed');
    expect(outcome.voice).toEqual({ source: 'cache', voiceId: 'voice_cached', fallbackReason: null });
    expect(h.steps()).not.toContain('subscribeToVoiceClone');
    expect(h.calls.find((c) => c.name === 'connectAgent')!.input).toMatchObject({ voiceId: 'voice_cached', participantId: 7, firstMessage: 'Thanks for holding.' });
    expect(h.finalized()).toMatchObject({ status: 'completed', durationSeconds: 42, transcript: 'agent: hi', clonedVoiceId: 'voice_cached' });
    expect(outcome.media).toEqual({ holdMs: 1234, deadAirMs: 0 });
  });
});

test('a clone slower than CLONE_MAX_WAIT_SECONDS: default voice after exactly 35 s (skipped), reason clone_timeout', async () => {
  await h.run({}, async () => {
    const input = h.input();
    await h.start(input);
    void conversationEnds(input.callId);
    const outcome = await h.result(input.callId);
    expect(outcome.voice).toEqual({ source: 'default', voiceId: 'voice_default', fallbackReason: 'clone_timeout' });
    expect(Date.parse(outcome.steps.voiceReady!) - Date.parse(outcome.steps.cloning!)).toBeGreaterThanOrEqual(35_000);
    expect(h.steps()).toContain('releaseVoiceClone');
  });
});

test('the clone arrives: the agent speaks with it, and the clone event is recorded', async () => {
  await h.run({}, async () => {
    const input = h.input();
    await h.start(input);
    await until(() => h.steps().includes('subscribeToVoiceClone'), 'the clone subscription');
    await h.cloneAnswers(input.callId, { ok: true, voiceId: 'voice_clone', source: 'clone', cloneDurationMs: 900 });
    await conversationEnds(input.callId);
    const outcome = await h.result(input.callId);
    expect(outcome.voice).toEqual({ source: 'clone', voiceId: 'voice_clone', fallbackReason: null });
    expect(h.calls.find((c) => c.name === 'recordCloneReady')!.input).toMatchObject({ callId: input.callId, voiceId: 'voice_clone', cloneDurationMs: 900 });
  });
});

test.each([
  ['holding', 'holdCaller'],
  ['cloning', 'subscribeToVoiceClone'],
  ['connecting_agent', 'connectAgent'],
])('hang-up while %s: abandoned, nothing connected afterwards, call_log final', async (_phase, lastStep) => {
  // A gateway step that never finishes by itself; like the gateway's, it stops when cancelled, and
  // at once with CallerGoneError when the caller hangs up (the gateway sees the line go).
  let hungUp = false;
  const block = async () => {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 100);
    try {
      while (!hungUp) await ctx.sleep(50);
      throw ApplicationFailure.nonRetryable('The caller hung up', 'CallerGoneError');
    } finally {
      clearInterval(beat);
    }
  };
  const behaviour = lastStep === 'holdCaller' ? { gateway: { holdCaller: block } } : lastStep === 'connectAgent' ? { gateway: { connectAgent: block }, main: { findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }) } } : {};
  await h.run(behaviour, async () => {
    const input = h.input();
    await h.start(input);
    await until(() => h.steps().includes(lastStep), lastStep);
    await env.client.workflow.getHandle(input.callId).signal(callEndedSignal, { endedAt: new Date().toISOString(), durationSeconds: null, reason: 'caller_hung_up', media: { holdMs: 3000, deadAirMs: 0 } });
    hungUp = true;
    const outcome = await h.result(input.callId);
    expect(outcome.phase).toBe('abandoned');
    const after = h.steps().slice(h.steps().indexOf(lastStep) + 1);
    expect(after).not.toContain('connectAgent');
    expect(after).not.toContain('routeCall');
    expect(h.finalized()).toMatchObject({ status: 'abandoned' });
    expect(outcome.media.holdMs).toBe(3000);
  });
});

test('a hang-up that reaches the workflow before the gateway’s answer (lost while Temporal was away): the retried step’s answer counts — the agent had the call', async () => {
  let attempts = 0;
  const connectAgent = async () => {
    attempts += 1;
    // The first attempt's answer never reaches Temporal: no heartbeat, no completion in time.
    if (attempts === 1) await Context.current().sleep(7_000).catch(() => undefined);
    return { conversationId: 'conv_late', firstAudioAt: new Date().toISOString(), agentOutputFormat: 'pcm_8000', userInputFormat: 'pcm_8000', media: { holdMs: 900, deadAirMs: 0 } };
  };
  await h.run({ gateway: { connectAgent }, main: { findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }) } }, async () => {
    const input = h.input();
    await h.start(input);
    await until(() => attempts === 1, 'the first connectAgent attempt');
    await env.client.workflow.getHandle(input.callId).signal(callEndedSignal, { endedAt: new Date().toISOString(), durationSeconds: 20, reason: 'caller_hung_up', media: { holdMs: 900, deadAirMs: 0 } });
    // The retry follows the first attempt's 5 s heartbeat timeout, in real time.
    await until(() => attempts === 2, 'the retried connectAgent');
    expect(await h.result(input.callId)).toMatchObject({ phase: 'completed', conversationId: 'conv_late' });
  });
});

test('AUTO_TRANSITION_ENABLED=false: the caller holds until an operator hands off; "use default voice" does not spin (defect 1)', async () => {
  await h.run({}, async () => {
    const input = h.input({ settings: { autoTransitionEnabled: false } });
    const handle = await h.start(input);
    await until(() => h.steps().includes('subscribeToVoiceClone'), 'cloning');
    const afterDefault = await handle.executeUpdate(useDefaultVoiceUpdate);
    expect(afterDefault.voice).toMatchObject({ source: 'default', fallbackReason: 'operator_requested' });
    expect(afterDefault.phase).toBe('awaiting_operator');
    // The workflow is idle (no busy loop): a query still answers and nothing else ran.
    expect((await handle.query(statusQuery)).phase).toBe('awaiting_operator');
    expect(h.steps()).not.toContain('connectAgent');
    const handedOff = await handle.executeUpdate(handOffNowUpdate);
    expect(['connecting_agent', 'in_agent_call']).toContain(handedOff.phase);
    await conversationEnds(input.callId);
    expect((await h.result(input.callId)).phase).toBe('completed');
  });
});

test('operator updates are refused with a reason when they cannot apply', async () => {
  await h.run({ main: { findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }) } }, async () => {
    const input = h.input();
    const handle = await h.start(input);
    await until(() => h.steps().includes('connectAgent'), 'the hand-off');
    expect(await refusal(handle.executeUpdate(useDefaultVoiceUpdate))).toMatch(/already handed off/);
    expect(await refusal(handle.executeUpdate(handOffNowUpdate))).toMatch(/already handed off/);
    await conversationEnds(input.callId);
    await h.result(input.callId);
  });
  await h.run({}, async () => {
    const input = h.input({ caller: { raw: 'anonymous', e164: null, kind: 'withheld' } });
    const handle = await h.start(input);
    await until(() => h.steps().includes('connectAgent'), 'the hand-off');
    expect(await refusal(handle.executeUpdate(retryCloneUpdate))).toMatch(/withheld|handed off/);
    await conversationEnds(input.callId);
    expect((await h.result(input.callId)).voice.fallbackReason).toBe('caller_withheld');
  });
});

test('retry after a failed clone asks the job to clone again, and an old failure is ignored (defect 5)', async () => {
  await h.run({}, async () => {
    const input = h.input({ settings: { autoTransitionEnabled: false } });
    const handle = await h.start(input);
    await until(() => h.steps().includes('subscribeToVoiceClone'), 'cloning');
    await h.cloneAnswers(input.callId, { ok: false, reason: 'clone_failed', message: 'voice_limit_reached' });
    await until(() => h.steps().includes('recordCloneFailed'), 'the failure');
    await handle.executeUpdate(retryCloneUpdate);
    const retried = h.calls.filter((c) => c.name === 'subscribeToVoiceClone');
    expect(retried).toHaveLength(2);
    expect(retried[1]!.input).toMatchObject({ retry: true });
    await h.cloneAnswers(input.callId, { ok: true, voiceId: 'voice_second', source: 'clone', cloneDurationMs: 10 });
    await until(() => true, '');
    const status = await handle.executeUpdate(handOffNowUpdate);
    expect(status.voice).toMatchObject({ source: 'clone', voiceId: 'voice_second' });
    await conversationEnds(input.callId);
    await h.result(input.callId);
  });
});

test('the agent refuses: the caller hears the failure message and is dropped, call failed (agent_unavailable)', async () => {
  await h.run(
    {
      main: { findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }) },
      gateway: { connectAgent: async () => Promise.reject(ApplicationFailure.nonRetryable('override not allowed', 'AgentRefusedError')) },
    },
    async () => {
      const input = h.input();
      await h.start(input);
      const outcome = await h.result(input.callId);
      expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'agent_unavailable', fallback: { outcome: 'dropped', destination: null } });
      expect(h.calls.find((c) => c.name === 'endCall')!.input).toMatchObject({ message: { text: 'Sorry.' }, routeTo: null });
    },
  );
});

test('the agent socket drops mid-conversation: the caller goes to FALLBACK_DESTINATION with the message first', async () => {
  await h.run({ main: { findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }) } }, async () => {
    const input = h.input({ settings: { fallbackDestination: '8000' } });
    const handle = await h.start(input);
    await inAgentCall(input.callId);
    await handle.signal(agentDisconnectedSignal, { conversationId: 'conv_1', at: new Date().toISOString(), code: 1006, reason: '', normal: false });
    const outcome = await h.result(input.callId);
    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'agent_disconnected', fallback: { outcome: 'routed', destination: '8000' } });
    expect(h.calls.find((c) => c.name === 'routeCall')!.input).toMatchObject({ destination: '8000', announcement: { text: 'Sorry.' } });
  });
});

test('SIP mode: the pending hand-off is written before 3CX routes; a failed route tries the next number', async () => {
  let routes = 0;
  await h.run(
    {
      main: { findCachedVoice: () => ({ voiceId: 'voice_cached', expiresAt: '', reuseCount: 1 }) },
      gateway: {
        routeCall: () => (++routes === 1 ? { routed: false, finalStatus: 'failed', reason: 'busy', media: { holdMs: 1, deadAirMs: 0 } } : { routed: true, finalStatus: 'success', reason: null, media: { holdMs: 2, deadAirMs: 0 } }),
      },
    },
    async () => {
      const sip = { routePrefix: '999', numbers: ['+4930100', '+4930200'], routeTimeoutSeconds: 30, pendingExpirySeconds: 60 };
      const input = h.input({ settings: { handoffMode: 'sip', sip } });
      const handle = await h.start(input);
      await until(() => routes === 2, 'the second route');
      const order = h.steps().filter((s) => ['leaseSipNumber', 'routeCall', 'releaseSipNumber'].includes(s));
      expect(order.slice(0, 4)).toEqual(['leaseSipNumber', 'routeCall', 'releaseSipNumber', 'leaseSipNumber']);
      expect(h.calls.filter((c) => c.name === 'routeCall').map((c) => c.input.destination)).toEqual(['9994930100', '9994930200']);
      await handle.signal(callCompletedSignal, { conversationId: 'conv_sip', kind: 'post_call_transcription', status: 'done', durationSeconds: 10, transcript: 'agent: hello', failureReason: null });
      const outcome = await h.result(input.callId);
      expect(outcome).toMatchObject({ phase: 'completed', voice: { voiceId: 'voice_cached' } });
    },
  );
});

test('lost post-call webhook: after the grace period the conversation is fetched from ElevenLabs', async () => {
  await h.run(
    {
      main: {
        findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }),
        fetchConversation: () => ({ conversationId: 'conv_1', kind: 'post_call_transcription', status: 'done', durationSeconds: 9, transcript: 'agent: recovered', failureReason: null }),
      },
    },
    async () => {
      const outcome = await callWithoutWebhook();
      expect(outcome.phase).toBe('completed');
      expect(h.finalized()).toMatchObject({ transcript: 'agent: recovered', durationSeconds: 9 });
    },
  );
});

test('a late failure (recovery exhausted) still finalises the call (defect 8)', async () => {
  await h.run(
    {
      main: {
        findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }),
        fetchConversation: async () => Promise.reject(ApplicationFailure.nonRetryable('invalid api key', 'ElevenLabsAuthError')),
      },
    },
    async () => {
      const outcome = await callWithoutWebhook();
      expect(outcome.phase).toBe('completed');
      expect(outcome.lastError).toMatch(/ElevenLabsAuthError/);
      expect(h.finalized()).toMatchObject({ status: 'completed' });
    },
  );
});

test('cancel during hold: the cancel message, then the fallback destination; call_log cancelled even with a write in flight (defect 2)', async () => {
  let releaseWrite!: () => void;
  const writeBlocked = new Promise<void>((resolve) => (releaseWrite = resolve));
  await h.run({ main: { recordCallStarted: () => writeBlocked } }, async () => {
    const input = h.input({ settings: { fallbackDestination: '8000' } });
    const handle = await h.start(input);
    await until(() => h.steps().includes('holdCaller') && h.steps().includes('recordCallStarted'), 'the hold with the call-log write in flight');
    await handle.cancel();
    setTimeout(releaseWrite, 200);
    await expect(h.result(input.callId)).rejects.toThrow();
    expect(h.calls.find((c) => c.name === 'endCall')!.input).toMatchObject({ message: { text: 'Goodbye.' }, routeTo: '8000' });
    expect(h.finalized()).toMatchObject({ status: 'cancelled' });
  });
  await h.run({}, async () => {
    const input = h.input();
    const handle = await h.start(input);
    await until(() => h.steps().includes('subscribeToVoiceClone'), 'cloning');
    await handle.cancel();
    await expect(h.result(input.callId)).rejects.toThrow();
    expect(h.steps()).toContain('releaseVoiceClone');
    expect(h.calls.find((c) => c.name === 'endCall')!.input).toMatchObject({ message: { text: 'Goodbye.' }, routeTo: null });
    expect(h.finalized()).toMatchObject({ status: 'cancelled' });
  });
});

test('a gateway restart during the hold changes nothing; during the agent call it is media_lost and the caller goes to the fallback', async () => {
  let release!: () => void;
  const cloneWait = new Promise<void>((resolve) => (release = resolve));
  await h.run({ main: { findCachedVoice: async () => cloneWait.then(() => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 })) } }, async () => {
    const input = h.input({ settings: { fallbackDestination: '8000' } });
    const handle = await h.start(input);
    await until(() => h.steps().includes('findCachedVoice'), 'the voice look-up');
    await handle.signal(mediaRestartedSignal, { participantId: 7, at: new Date().toISOString() });
    release();
    await inAgentCall(input.callId);
    await handle.signal(mediaRestartedSignal, { participantId: 7, at: new Date().toISOString() });
    const outcome = await h.result(input.callId);
    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'media_lost', fallback: { destination: '8000', outcome: 'routed' } });
  });
});

test('post-call data without a word from the gateway (it died with the bridge): media_lost, and the caller is not left on a dead line', async () => {
  await h.run({ main: { findCachedVoice: () => ({ voiceId: 'v', expiresAt: '', reuseCount: 1 }) } }, async () => {
    const input = h.input();
    const handle = await h.start(input);
    await inAgentCall(input.callId);
    await handle.signal(callCompletedSignal, { conversationId: 'conv_1', kind: 'post_call_transcription', status: 'done', durationSeconds: 5, transcript: 'agent: hi', failureReason: null });
    const outcome = await h.result(input.callId);
    expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'media_lost', fallback: { outcome: 'dropped' } });
    expect(h.calls.find((c) => c.name === 'endCall')!.input).toMatchObject({ message: { text: 'Sorry.' } });
    expect(h.finalized()).toMatchObject({ transcript: 'agent: hi' });
  });
});
