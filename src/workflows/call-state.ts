import { CancellationScope, condition, isCancellation, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type {
  CallCompletedEvent,
  CallEndedEvent,
  CallInput,
  CallPhase,
  CallStatus,
  FallbackReason,
  OperatorAction,
  VoiceSource,
} from '../contracts/call';
import type { Duration } from '@temporalio/common';
import type { AgentDisconnectedEvent } from '../contracts/gateway';
import {
  agentDisconnectedSignal,
  callCompletedSignal,
  callEndedSignal,
  callStateChangedSignal,
  handOffNowUpdate,
  mediaRestartedSignal,
  retryCloneUpdate,
  statusQuery,
  useDefaultVoiceUpdate,
  voiceResultSignal,
} from '../contracts/messages';
import { CallPhaseKey, VoiceSourceKey } from '../contracts/search-attributes';
import type { VoiceCloneResult } from '../contracts/voice-clone';

export interface VoiceChoice {
  source: VoiceSource;
  voiceId: string;
  fallbackReason: FallbackReason | null;
}

/** Phases in which the caller is still on hold: operators may still steer the voice and the hand-off. */
const BEFORE_HANDOFF: readonly CallPhase[] = ['holding', 'cloning', 'awaiting_operator'];

/**
 * Everything the call workflow knows about its call, and the handlers through which the outside
 * world changes it: 3CX and the gateway (signals: they cannot wait), ElevenLabs' post-call data,
 * the caller's clone job, and operators (updates: validated, answered with the new status).
 */
export class CallState {
  readonly status: CallStatus;
  ended: CallEndedEvent | undefined;
  /** Agent socket closes the gateway reported (one may arrive before the workflow has the conversation id). */
  private readonly disconnects: AgentDisconnectedEvent[] = [];
  /** The gateway restarted and the call's media with it (bridge lost, music again). */
  mediaRestarted = false;
  completion: CallCompletedEvent | undefined;
  /** Results from the clone job, for the subscription `cloneRequestId`. */
  voiceResult: VoiceCloneResult | undefined;
  cloneRequestId: string | null = null;
  /** Clone-job subscriptions made so far (an operator's retry is acknowledged once the next one is made). */
  cloneSubscriptions = 0;
  /** Operator requests not yet acted on. */
  readonly requests = { useDefaultVoice: false, retryClone: false, handOffNow: false };
  /** DB writes that run alongside the call; settled before the call closes. */
  private readonly records: Promise<unknown>[] = [];
  /** The call's call_log row is written (steps that update it wait for this). */
  recorded: Promise<unknown> = Promise.resolve();

  constructor(readonly input: CallInput) {
    this.status = {
      callId: input.callId,
      pbx: input.pbx,
      threecxCallId: input.threecxCallId,
      phase: 'holding',
      caller: input.caller,
      calledNumber: input.calledNumber,
      source: input.source,
      participantId: input.participantId,
      handoffMode: input.settings.handoffMode,
      voice: { source: null, voiceId: null, fallbackReason: null },
      conversationId: null,
      sipNumber: null,
      steps: { received: input.receivedAt },
      media: { holdMs: null, deadAirMs: null },
      handoffAttempts: 0,
      fallback: null,
      failureReason: null,
      lastError: null,
      threecxState: null,
      operatorActions: [],
    };
    this.registerHandlers();
  }

  get settings(): CallInput['settings'] {
    return this.input.settings;
  }

  /** The close of this call's agent conversation, once the gateway reported it. */
  get agentDisconnected(): AgentDisconnectedEvent | undefined {
    return this.disconnects.find((d) => d.conversationId === this.status.conversationId);
  }

  get callerGone(): boolean {
    return this.ended !== undefined;
  }

  get isClosed(): boolean {
    return ['completed', 'abandoned', 'failed', 'cancelled'].includes(this.status.phase);
  }

  now(): string {
    return new Date().toISOString();
  }

  step(name: keyof CallStatus['steps']): void {
    this.status.steps[name] ??= this.now();
  }

  setPhase(phase: CallPhase): void {
    if (this.status.phase === phase) return;
    this.status.phase = phase;
    upsertSearchAttributes([{ key: CallPhaseKey, value: phase }]);
    this.describe();
  }

  setVoice(choice: VoiceChoice): void {
    this.status.voice = { ...choice };
    upsertSearchAttributes([{ key: VoiceSourceKey, value: choice.source }]);
    this.describe();
  }

  noteError(message: string): void {
    this.status.lastError = message;
    this.describe();
  }

  /**
   * A write that must not delay the call but must land before it closes. It runs outside the
   * caller-presence scopes, so a hang-up or a cancellation never loses it.
   */
  track(write: () => Promise<unknown>): void {
    void this.keep(write);
  }

  /** The call's call_log row: tracked like any write, and awaited by the steps that update the row. */
  recordCall(write: () => Promise<unknown>): void {
    this.recorded = this.keep(write);
  }

  private keep(write: () => Promise<unknown>): Promise<unknown> {
    const record = CancellationScope.nonCancellable(write);
    // Failures surface in settleRecords(); until then a rejection must not count as unhandled.
    record.catch(() => undefined);
    this.records.push(record);
    return record;
  }

  /**
   * Runs a step unless the caller hangs up first: then the step is cancelled and null returned.
   * With `answerWithin`, a step still running at the hang-up gets that long to answer first: its
   * answer may already exist and only its delivery be late (Temporal briefly away, a retry
   * answering again), and what it did — an agent that took the call — must be recorded.
   */
  async unlessCallerLeaves<T>(step: () => Promise<T>, answerWithin?: Duration): Promise<T | null> {
    if (this.callerGone) return null;
    let settled = false;
    const scope = new CancellationScope();
    const work = scope.run(step).finally(() => {
      settled = true;
    });
    void (async () => {
      await condition(() => settled || this.callerGone);
      if (!settled && answerWithin !== undefined) await condition(() => settled, answerWithin);
      if (!settled) scope.cancel();
      // The whole call was cancelled: the step's own scope is cancelled with it.
    })().catch(() => undefined);
    try {
      return await work;
    } catch (err) {
      if (this.callerGone && isCancellation(err)) return null;
      throw err;
    }
  }

  /** Waits for every tracked write; a failed or cancelled one never stops the call from closing. */
  async settleRecords(): Promise<void> {
    await Promise.allSettled(this.records);
  }

  defaultVoice(fallbackReason: FallbackReason): VoiceChoice {
    return { source: 'default', voiceId: this.settings.defaultVoiceId, fallbackReason };
  }

  private describe(): void {
    const s = this.status;
    setCurrentDetails(
      [
        `**Phase:** ${s.phase}`,
        `**Voice:** ${s.voice.source ?? 'not chosen yet'}${s.voice.fallbackReason ? ` (fallback: ${s.voice.fallbackReason})` : ''}`,
        `**Hand-off:** ${s.handoffMode}${s.sipNumber ? ` via ${s.sipNumber}` : ''}${s.handoffAttempts ? `, ${s.handoffAttempts} attempt(s)` : ''}`,
        `**Agent conversation:** ${s.conversationId ?? '–'}`,
        s.fallback ? `**Fallback:** ${s.fallback.reason} → ${s.fallback.destination ?? 'dropped'} (${s.fallback.outcome})` : '',
        s.lastError ? `**Last error:** ${s.lastError}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  }

  private noteOperator(action: OperatorAction): void {
    this.status.operatorActions.push({ action, at: this.now() });
  }

  private refuseUnlessHolding(): void {
    if (this.isClosed) throw new Error(`The call is already ${this.status.phase}`);
    if (!BEFORE_HANDOFF.includes(this.status.phase)) throw new Error(`The call is already handed off (phase ${this.status.phase})`);
    if (this.callerGone) throw new Error('The caller has hung up');
  }

  /** Answers an operator update once the workflow has acted on it (or after a short wait). */
  private async acknowledged(done: () => boolean): Promise<CallStatus> {
    await condition(() => done() || this.isClosed || this.callerGone, '10 seconds');
    return this.status;
  }

  private registerHandlers(): void {
    setHandler(statusQuery, () => this.status);
    setHandler(callStateChangedSignal, (event) => {
      this.status.threecxState = event;
    });
    setHandler(callEndedSignal, (event) => {
      if (this.ended) return;
      this.ended = event;
      this.status.steps.callerHungUp ??= event.endedAt;
      if (event.media) this.status.media = { holdMs: this.status.media.holdMs ?? event.media.holdMs, deadAirMs: event.media.deadAirMs };
    });
    setHandler(callCompletedSignal, (event) => {
      if (this.completion?.kind === 'post_call_transcription') return;
      if (this.status.conversationId && event.conversationId !== this.status.conversationId) return;
      this.completion = event;
    });
    setHandler(voiceResultSignal, (result) => {
      if (result.callerId === this.input.caller.e164 && result.requestId === this.cloneRequestId) this.voiceResult = result;
    });
    setHandler(agentDisconnectedSignal, (event) => {
      this.disconnects.push(event);
    });
    setHandler(mediaRestartedSignal, () => {
      // Before the agent has the call, a restarted gateway only means music again: nothing is lost.
      if (this.status.phase === 'in_agent_call' && this.status.handoffMode === 'bridge') this.mediaRestarted = true;
    });

    setHandler(
      useDefaultVoiceUpdate,
      async () => {
        this.noteOperator('useDefaultVoice');
        this.requests.useDefaultVoice = true;
        return this.acknowledged(() => this.status.voice.fallbackReason === 'operator_requested' || !BEFORE_HANDOFF.includes(this.status.phase));
      },
      { validator: () => this.refuseUnlessHolding() },
    );
    setHandler(
      retryCloneUpdate,
      async () => {
        this.noteOperator('retryClone');
        this.requests.retryClone = true;
        const before = this.cloneSubscriptions;
        const voiceBefore = this.status.voice.source;
        return this.acknowledged(() => this.cloneSubscriptions > before || this.status.voice.source !== voiceBefore);
      },
      {
        validator: () => {
          this.refuseUnlessHolding();
          if (!this.input.caller.e164) throw new Error(`The caller's number is ${this.input.caller.kind}: there is no voice to clone`);
          if (this.status.voice.source === 'clone' || this.status.voice.source === 'cache') throw new Error('The caller’s cloned voice is already chosen');
        },
      },
    );
    setHandler(
      handOffNowUpdate,
      async () => {
        this.noteOperator('handOffNow');
        this.requests.handOffNow = true;
        return this.acknowledged(() => !BEFORE_HANDOFF.includes(this.status.phase));
      },
      { validator: () => this.refuseUnlessHolding() },
    );
  }
}
