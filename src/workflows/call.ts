import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  CallCompletedEvent,
  CallEndedEvent,
  CallFailureReason,
  CallInput,
  CallOutcome,
  CallPhase,
  CallStatus,
  FallbackReason,
  OperatorAction,
  VoiceSource,
} from '../contracts/call';
import {
  callCompletedSignal,
  callEndedSignal,
  callStateChangedSignal,
  retryCloneSignal,
  statusQuery,
  transferNowSignal,
  useDefaultVoiceNowSignal,
  voiceResultSignal,
} from '../contracts/messages';
import { CallPhaseKey, VoiceSourceKey } from '../contracts/search-attributes';
import type { VoiceCloneResult } from '../contracts/voice-clone';
import { agentCall, databaseWrite, elevenLabsRead, temporalCall } from './activity-options';
import { databaseStep } from './database-writes';

const { recordCallStarted } = proxyActivities<Activities>({ ...databaseWrite, summary: 'Record the call in call_log' });
const { findCachedVoice } = proxyActivities<Activities>({ ...databaseWrite, summary: 'Look for a cached clone of the caller’s voice' });
const { playGreeting } = proxyActivities<Activities>({ ...agentCall, summary: 'Greet the caller (greeting voice + hold music)' });
const { transferToAgent } = proxyActivities<Activities>({ ...agentCall, summary: 'Hand the caller to the agent with the chosen voice' });
const { fetchConversation } = proxyActivities<Activities>({ ...elevenLabsRead, summary: 'Fetch the conversation (post-call webhook missing)' });
const { subscribeToVoiceClone } = proxyActivities<Activities>({ ...temporalCall, summary: 'Join the caller’s clone job' });
const { releaseVoiceClone } = proxyActivities<Activities>({ ...temporalCall, summary: 'Leave the caller’s clone job' });

interface VoiceChoice {
  source: VoiceSource;
  voiceId: string;
  fallbackReason: FallbackReason | null;
}

/**
 * One execution per phone call, id `call-<pbx>-<3cxCallId>`: greet at once, get the caller's
 * voice (cache, or the caller's clone job raced against a timer), hand over to the agent, wait for
 * the post-call data, write the call log. Status is always answerable by the `status` query.
 */
export async function callWorkflow(input: CallInput): Promise<CallOutcome> {
  const s = input.settings;
  const callerE164 = input.caller.e164;
  // v5: the writes nothing waits for run as local activities: fewer events and workflow tasks per
  // call. The call-log row and the cache lookup stay activities: the greeting is scheduled in the
  // same workflow task, and a local activity would hold that task (and the greeting) until it ends.
  const local = patched('database-steps-as-local-activities');
  const finalizeCallLog = databaseStep('finalizeCallLog', 'Write the call outcome to call_log', local);
  const recordCloneReady = databaseStep('recordCloneReady', 'Record the clone outcome event', local);
  const recordCloneFailed = databaseStep('recordCloneFailed', 'Record the clone outcome event', local);
  const recordTransfer = databaseStep('recordTransfer', 'Record the greeting → agent transfer', local);
  const recordConversation = databaseStep('recordConversation', 'Record the placed conversation', local);
  const status: CallStatus = {
    callId: input.callId,
    pbx: input.pbx,
    threecxCallId: input.threecxCallId,
    phase: 'received',
    caller: input.caller,
    calledNumber: input.calledNumber,
    voice: { source: null, voiceId: null, fallbackReason: null },
    conversations: { greeting: null, agent: null },
    steps: { received: input.receivedAt },
    failureReason: null,
    lastError: null,
    threecxState: null,
    operatorActions: [],
  };
  let ended: CallEndedEvent | undefined;
  const completions: CallCompletedEvent[] = [];
  let voiceResult: VoiceCloneResult | undefined;
  let operatorWantsDefault = false;
  let operatorWantsRetry = false;
  let operatorApprovedTransfer = false;
  let subscribedToClone = false;
  /** Event writes that run alongside the call; awaited before the call closes. */
  const records: Promise<void>[] = [];
  /** Settles once the greeting is placed (or has failed): clone events name its conversation. */
  let greetingSettled: Promise<unknown> = Promise.resolve();

  setHandler(statusQuery, () => status);
  setHandler(callStateChangedSignal, (event) => {
    status.threecxState = event;
  });
  setHandler(callEndedSignal, (event) => {
    ended ??= event;
    status.steps.callerHungUp ??= event.endedAt;
  });
  setHandler(callCompletedSignal, (event) => {
    if (!completions.some((c) => c.kind === event.kind && c.conversationId === event.conversationId)) completions.push(event);
  });
  // Read through a function: TypeScript cannot see that signal handlers change it between awaits.
  const latestVoiceResult = (): VoiceCloneResult | undefined => voiceResult;
  setHandler(voiceResultSignal, (result) => {
    if (result.callerId === callerE164) voiceResult = result;
  });
  const noteOperator = (action: OperatorAction) => status.operatorActions.push({ action, at: new Date().toISOString() });
  setHandler(useDefaultVoiceNowSignal, () => {
    operatorWantsDefault = true;
    noteOperator('useDefaultVoiceNow');
  });
  setHandler(retryCloneSignal, () => {
    operatorWantsRetry = true;
    noteOperator('retryClone');
  });
  setHandler(transferNowSignal, () => {
    operatorApprovedTransfer = true;
    noteOperator('transferNow');
  });

  const now = () => new Date().toISOString();
  const setPhase = (phase: CallPhase): void => {
    status.phase = phase;
    upsertSearchAttributes([{ key: CallPhaseKey, value: phase }]);
    setCurrentDetails(
      [
        `**Phase:** ${phase}`,
        `**Voice:** ${status.voice.source ?? 'not chosen yet'}${status.voice.fallbackReason ? ` (fallback: ${status.voice.fallbackReason})` : ''}`,
        `**Greeting conversation:** ${status.conversations.greeting ?? '–'}`,
        `**Agent conversation:** ${status.conversations.agent ?? '–'}`,
        status.lastError ? `**Last error:** ${status.lastError}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  };
  const completionFor = (conversationId: string | null) => (conversationId ? completions.find((c) => c.conversationId === conversationId) : undefined);
  const greetingNotConnected = () => completionFor(status.conversations.greeting)?.kind === 'call_initiation_failure';
  const stopRequested = () => ended !== undefined || greetingNotConnected();

  const finish = async (phase: 'completed' | 'failed' | 'cancelled', failureReason: CallFailureReason | null = null): Promise<CallOutcome> => {
    await Promise.all(records);
    if (subscribedToClone && callerE164 && !voiceResult) {
      await releaseVoiceClone({ callerId: callerE164, callWorkflowId: input.callId });
    }
    const agentCompletion = completionFor(status.conversations.agent);
    const endedAt = ended?.endedAt ?? now();
    status.failureReason = failureReason;
    await finalizeCallLog({
      callId: input.callId,
      status: phase,
      endedAt,
      durationSeconds: agentCompletion?.durationSeconds ?? ended?.durationSeconds ?? null,
      transcript: agentCompletion?.transcript ?? null,
      clonedVoiceId: status.voice.voiceId,
      metadata: {
        voice_source: status.voice.source,
        fallback_reason: status.voice.fallbackReason,
        failure_reason: failureReason,
        last_error: status.lastError,
        greeting_conversation_id: status.conversations.greeting,
        agent_conversation_id: status.conversations.agent,
        end_reason: ended?.reason ?? agentCompletion?.status ?? null,
        recording_url: ended?.recordingUrl ?? null,
        steps: status.steps,
      },
    });
    status.steps.ended = endedAt;
    setPhase(phase);
    const { callId, voice, conversations, steps, lastError } = status;
    return { callId, phase, voice, conversations, steps, failureReason, lastError };
  };

  // v3: the placing activity's own record is best effort; this one retries like every database
  // write, so a database outage cannot fail a call that was placed.
  const rememberConversation = (step: 'greeting' | 'agent', conversationId: string, voiceId: string): void => {
    if (patched('record-conversation-with-database-retry')) {
      records.push(recordConversation({ callId: input.callId, step, conversationId, voiceId }));
    }
  };

  const chooseDefault = (fallbackReason: FallbackReason): VoiceChoice => ({ source: 'default', voiceId: s.defaultVoiceId, fallbackReason });

  /** The caller's voice: cached clone, or the clone job raced against CLONE_MAX_WAIT_SECONDS. */
  const chooseVoice = async (): Promise<VoiceChoice | null> => {
    if (!callerE164) return chooseDefault(input.caller.kind === 'internal' ? 'internal_caller' : 'caller_withheld');
    const cached = await findCachedVoice({ callerId: callerE164, countReuse: true });
    if (cached) return { source: 'cache', voiceId: cached.voiceId, fallbackReason: null };
    for (;;) {
      voiceResult = undefined;
      await subscribeToVoiceClone({
        input: { callerId: callerE164, cacheTtlSeconds: s.cacheTtlSeconds, cloneTimeoutSeconds: s.cloneTimeoutSeconds },
        callWorkflowId: input.callId,
      });
      subscribedToClone = true;
      status.steps.cloning = now();
      const waitStarted = Date.now();
      const arrived = await condition(
        () => latestVoiceResult() !== undefined || operatorWantsDefault || operatorWantsRetry || stopRequested(),
        `${s.cloneMaxWaitSeconds} seconds`,
        { summary: `Wait up to ${s.cloneMaxWaitSeconds}s for the cloned voice, then use the default voice` },
      );
      if (stopRequested()) return null;
      if (operatorWantsRetry) {
        operatorWantsRetry = false;
        continue;
      }
      if (operatorWantsDefault) return chooseDefault('operator_requested');
      const result = latestVoiceResult();
      if (!arrived || !result) return chooseDefault('clone_timeout');
      // v2: wait for the greeting so the event names its conversation, not our call id.
      const afterGreeting = patched('clone-events-name-the-greeting') ? greetingSettled : Promise.resolve();
      const greetingCallId = () => status.conversations.greeting ?? input.callId;
      const cloneDurationMs = result.ok ? (result.cloneDurationMs ?? Date.now() - waitStarted) : 0;
      if (result.ok) {
        records.push(
          afterGreeting.then(() =>
            recordCloneReady({ id: uuid4(), callerId: callerE164, greetingCallId: greetingCallId(), voiceId: result.voiceId, cloneDurationMs }),
          ),
        );
        return { source: result.source, voiceId: result.voiceId, fallbackReason: null };
      }
      records.push(
        afterGreeting.then(() =>
          recordCloneFailed({ id: uuid4(), callerId: callerE164, greetingCallId: greetingCallId(), errorMessage: `${result.reason}: ${result.message}` }),
        ),
      );
      status.lastError = result.message;
      return chooseDefault(result.reason === 'no_sample' ? 'no_sample' : 'clone_failed');
    }
  };

  try {
    const recorded = recordCallStarted(input).then(() => {
      status.steps.recorded = now();
    });
    // v4: the greeting does not wait for the call log row (the caller hears it one database write
    // sooner); the row is awaited before anything updates it.
    if (patched('greet-before-recording')) records.push(recorded);
    else await recorded;
    if (!input.dialTarget) {
      setVoice(chooseDefault('caller_withheld'));
      status.lastError = 'The caller’s number is withheld and ELEVENLABS_DIAL_TARGET needs it: no agent call can reach the caller';
      return await finish('failed', 'no_dialable_number');
    }
    const dialTarget = input.dialTarget;
    const callerLabel = callerE164 ?? input.caller.raw;
    // A reset starts a new run of the same call (a new run id, the same first run id): its agent
    // calls must look for the ones the earlier run placed. The first run's first attempts need not.
    const firstRunOfCall = workflowInfo().runId === workflowInfo().firstExecutionRunId;

    // Greeting and voice run side by side: the caller hears the greeting while the clone is made.
    setPhase('greeting');
    const greeting = playGreeting({
      callId: input.callId,
      callStartedAt: input.receivedAt,
      toNumber: dialTarget,
      callerId: callerLabel,
      greetingVoiceId: s.greetingVoiceId,
      greetingMessage: s.greetingMessage,
      holdMusicUrl: s.holdMusicUrl,
      autoTransition: s.autoTransitionEnabled,
      firstRunOfCall,
    }).then(
      ({ conversationId }) => {
        status.conversations.greeting = conversationId;
        status.steps.greeting = now();
        rememberConversation('greeting', conversationId, s.greetingVoiceId);
        return true;
      },
      (err: unknown) => {
        if (isCancellation(err)) throw err;
        status.lastError = `Greeting failed: ${failureMessage(err)}`;
        return false;
      },
    );
    greetingSettled = greeting;
    const voicePromise = chooseVoice();
    if (!(await greeting)) return await finish('failed', 'greeting_failed');
    if (status.voice.source === null) setPhase('cloning');
    let choice = await voicePromise;

    // Manual hand-over (AUTO_TRANSITION_ENABLED=false): an operator decides, and may ask for the clone again.
    while (choice && !s.autoTransitionEnabled && !operatorApprovedTransfer) {
      setVoice(choice);
      setPhase('awaiting_operator');
      await condition(() => operatorApprovedTransfer || operatorWantsRetry || operatorWantsDefault || stopRequested());
      if (stopRequested()) choice = null;
      else if (operatorWantsRetry) {
        operatorWantsRetry = false;
        operatorWantsDefault = false;
        setPhase('cloning');
        choice = await chooseVoice();
      } else if (operatorWantsDefault && choice.source !== 'default') {
        choice = chooseDefault('operator_requested');
      }
    }
    if (!choice || stopRequested()) {
      if (greetingNotConnected()) return await finish('failed', 'greeting_not_connected');
      return await finish('completed');
    }
    setVoice(choice);
    status.steps.voiceReady = now();

    setPhase('transferring');
    status.steps.transferring = now();
    let agentConversation: string;
    try {
      ({ conversationId: agentConversation } = await transferToAgent({
        callId: input.callId,
        callStartedAt: input.receivedAt,
        toNumber: dialTarget,
        callerId: callerLabel,
        voiceId: choice.voiceId,
        voiceSource: choice.source,
        transferMessage: s.transferMessage,
        greetingConversationId: status.conversations.greeting,
        autoTransitioned: s.autoTransitionEnabled,
        firstRunOfCall,
      }));
    } catch (err) {
      if (isCancellation(err)) throw err;
      status.lastError = `Transfer failed: ${failureMessage(err)}`;
      return await finish('failed', 'transfer_failed');
    }
    status.conversations.agent = agentConversation;
    status.steps.transferred = now();
    rememberConversation('agent', agentConversation, choice.voiceId);
    records.push(
      recordTransfer({
        id: uuid4(),
        greetingCallId: status.conversations.greeting ?? input.callId,
        agentCallId: agentConversation,
        voiceId: choice.voiceId,
      }),
    );
    setPhase('in_agent_call');

    // The agent conversation ends with ElevenLabs' post-call webhook; 3CX may tell us first that the
    // caller hung up, after which the webhook gets a grace period.
    const agentDone = () => completionFor(agentConversation) !== undefined;
    await condition(() => agentDone() || ended !== undefined, `${s.maxCallDurationSeconds} seconds`, {
      summary: 'Wait for the end of the agent conversation (MAX_CALL_DURATION_SECONDS)',
    });
    if (!agentDone() && ended) {
      await condition(agentDone, `${s.postCallGraceSeconds} seconds`, { summary: 'Wait for ElevenLabs’ post-call data' });
    }
    // Lost-webhook recovery: ask ElevenLabs, a few times if the conversation is still being analysed.
    for (let attempt = 0; !agentDone() && attempt < 3; attempt++) {
      if (attempt > 0) await condition(agentDone, `${s.postCallGraceSeconds} seconds`, { summary: 'Wait before asking ElevenLabs again' });
      if (agentDone()) break;
      const recovered = await fetchConversation(agentConversation);
      if (recovered) completions.push(recovered);
    }
    if (completionFor(agentConversation)?.kind === 'call_initiation_failure') return await finish('failed', 'agent_call_not_connected');
    return await finish('completed');
  } catch (err) {
    if (isCancellation(err)) {
      // The root scope is cancelled: cleanup must run in a scope that cannot be cancelled.
      await CancellationScope.nonCancellable(() => finish('cancelled'));
    }
    throw err;
  }

  function setVoice(choice: VoiceChoice): void {
    status.voice = { source: choice.source, voiceId: choice.voiceId, fallbackReason: choice.fallbackReason };
    upsertSearchAttributes([{ key: VoiceSourceKey, value: choice.source }]);
  }
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
  return `${type}${cause instanceof Error ? cause.message : String(cause)}`;
}
