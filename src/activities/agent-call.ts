import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CALL_NOT_PLACED } from '../contracts/retry';
import type { CallCompletedEvent } from '../contracts/call';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { ElevenLabsNotFoundError, ElevenLabsOutcomeUnknownError } from '../integrations/elevenlabs/errors';
import type { DynamicVariableValue, Telephony } from '../integrations/elevenlabs/outbound-call';
import { toActivityFailure } from './failures';

export interface AgentSettings {
  agentId: string;
  phoneNumberId: string;
  telephony: Telephony;
}

export interface AgentCallDeps {
  prisma: PrismaClient;
  elevenlabs: ElevenLabsClient;
  agent: AgentSettings;
}

type Step = 'greeting' | 'agent';

export interface ConversationRecord {
  callId: string;
  step: Step;
  conversationId: string;
  voiceId: string;
}

interface PlaceCallInput {
  callId: string;
  /** ISO start of the call: conversations placed for it cannot be older. */
  callStartedAt: string;
  toNumber: string;
  voiceId: string;
  firstMessage: string;
  dynamicVariables: Record<string, DynamicVariableValue>;
  firstRunOfCall?: boolean;
}

export interface GreetingInput {
  callId: string;
  callStartedAt: string;
  toNumber: string;
  callerId: string;
  greetingVoiceId: string;
  greetingMessage: string;
  holdMusicUrl: string | null;
  autoTransition: boolean;
  /**
   * The call's workflow runs for the first time (not after a reset). Its first attempt then cannot
   * find a conversation placed earlier and skips both lookups. Absent (older callers): look.
   */
  firstRunOfCall?: boolean;
}

export interface TransferInput {
  callId: string;
  callStartedAt: string;
  toNumber: string;
  callerId: string;
  voiceId: string;
  voiceSource: 'cache' | 'clone' | 'default';
  transferMessage: string;
  greetingConversationId: string | null;
  autoTransitioned: boolean;
  /** As in GreetingInput. */
  firstRunOfCall?: boolean;
}

export function agentCallActivities({ prisma, elevenlabs, agent }: AgentCallDeps) {
  /** The call's conversation for this step, if ElevenLabs already has one (user_id = our call id). */
  async function findPlaced(step: Step, input: PlaceCallInput): Promise<string | null> {
    const since = Math.floor(new Date(input.callStartedAt).getTime() / 1000) - 60;
    const page = await elevenlabs.listConversations({ agentId: agent.agentId, userId: input.callId, callStartAfterUnix: since });
    for (const summary of page.conversations) {
      const conversation = await elevenlabs.getConversation(summary.conversationId);
      const vars = conversation.raw.conversation_initiation_client_data?.dynamic_variables ?? {};
      if (conversation.userId === input.callId && vars.call_step === step) return conversation.conversationId;
    }
    return null;
  }

  /**
   * Best effort: the workflow also records the conversation through `recordConversation`, whose
   * database retries never give up. A database outage must not fail a call that was placed.
   */
  async function remember(step: Step, callId: string, conversationId: string, voiceId: string): Promise<{ conversationId: string }> {
    await recordConversationRow({ callId, step, conversationId, voiceId }).catch(() => undefined);
    return { conversationId };
  }

  function recordConversationRow({ callId, step, conversationId, voiceId }: ConversationRecord): Promise<unknown> {
    return prisma.callConversation.upsert({ where: { conversationId }, create: { conversationId, callId, step, voiceId }, update: {} });
  }

  /** A conversation an earlier attempt or an earlier run placed for this step: our table first, then ElevenLabs. */
  async function findEarlierPlacement(step: Step, input: PlaceCallInput): Promise<{ conversationId: string } | null> {
    const known = await prisma.callConversation.findUnique({ where: { callId_step: { callId: input.callId, step } } }).then(
      (row) => ({ row, databaseAnswered: true }),
      () => ({ row: null, databaseAnswered: false }),
    );
    if (known.row) return { conversationId: known.row.conversationId };
    if (activityInfo().attempt > 1 || !known.databaseAnswered) {
      const found = await findPlaced(step, input).catch((err: unknown) => {
        throw toActivityFailure(err);
      });
      if (found) return remember(step, input.callId, found, input.voiceId);
    }
    return null;
  }

  /**
   * Places one outbound agent call at most once per (call, step). An earlier attempt may have
   * placed it (the worker died, the response was lost), and a reset workflow runs the step again,
   * so our table is asked first and, if it cannot answer (no row yet, or the database is down),
   * ElevenLabs is asked for a conversation with our call id as user_id; a POST whose outcome is
   * unknown is reconciled the same way instead of being repeated. Only the first attempt in the
   * call's first run skips the lookups: nothing can have been placed before it.
   */
  async function placeOnce(step: Step, input: PlaceCallInput): Promise<{ conversationId: string }> {
    if (!(input.firstRunOfCall === true && activityInfo().attempt === 1)) {
      const earlier = await findEarlierPlacement(step, input);
      if (earlier) return earlier;
    }
    heartbeat(`placing ${step} call`);
    return placeNow(step, input);
  }

  async function placeNow(step: Step, input: PlaceCallInput): Promise<{ conversationId: string }> {
    let result;
    try {
      result = await elevenlabs.placeOutboundCall({
        telephony: agent.telephony,
        agentId: agent.agentId,
        agentPhoneNumberId: agent.phoneNumberId,
        toNumber: input.toNumber,
        voiceId: input.voiceId,
        firstMessage: input.firstMessage,
        dynamicVariables: { ...input.dynamicVariables, call_step: step },
        userId: input.callId,
        signal: cancellationSignal(),
      });
    } catch (err) {
      if (!(err instanceof ElevenLabsOutcomeUnknownError)) throw toActivityFailure(err);
      const found = await findPlaced(step, input).catch(() => null);
      if (found) return remember(step, input.callId, found, input.voiceId);
      // Not visible (yet): retry; the next attempt looks again before placing anything.
      throw ApplicationFailure.retryable(`Outcome of the ${step} call is unknown and ElevenLabs lists no such call yet: ${err.message}`, 'AgentCallOutcomeUnknown');
    }
    if (!result.success || !result.conversationId) {
      throw ApplicationFailure.nonRetryable(`ElevenLabs did not place the ${step} call: ${result.message}`, CALL_NOT_PLACED);
    }
    return remember(step, input.callId, result.conversationId, input.voiceId);
  }

  return {
    /** Agent call #1: the greeting voice says hello over hold music while the clone is prepared. */
    async playGreeting(input: GreetingInput): Promise<{ conversationId: string }> {
      return placeOnce('greeting', {
        callId: input.callId,
        callStartedAt: input.callStartedAt,
        toNumber: input.toNumber,
        voiceId: input.greetingVoiceId,
        firstMessage: input.greetingMessage,
        firstRunOfCall: input.firstRunOfCall,
        dynamicVariables: {
          caller_id: input.callerId,
          mode: 'greeting_with_music',
          greeting_message: input.greetingMessage,
          hold_music_url: input.holdMusicUrl,
          auto_transition: input.autoTransition,
        },
      });
    },

    /** Agent call #2: the agent speaking with the chosen voice takes over the caller. */
    async transferToAgent(input: TransferInput): Promise<{ conversationId: string }> {
      return placeOnce('agent', {
        callId: input.callId,
        callStartedAt: input.callStartedAt,
        toNumber: input.toNumber,
        voiceId: input.voiceId,
        firstMessage: input.transferMessage,
        firstRunOfCall: input.firstRunOfCall,
        dynamicVariables: {
          caller_id: input.callerId,
          mode: 'agent',
          from_greeting: input.greetingConversationId,
          voice_source: input.voiceSource,
          auto_transitioned: input.autoTransitioned,
        },
      });
    },

    /** Records a placed conversation, so webhooks carrying only its id find the call (database retry policy). */
    async recordConversation(record: ConversationRecord): Promise<void> {
      await recordConversationRow(record);
    },

    /** Lost-webhook recovery: what ElevenLabs knows of a conversation; null while it is still running. */
    async fetchConversation(conversationId: string): Promise<CallCompletedEvent | null> {
      try {
        const c = await elevenlabs.getConversation(conversationId);
        if (c.status !== 'done' && c.status !== 'failed') return null;
        return {
          conversationId,
          kind: 'post_call_transcription',
          status: c.status,
          durationSeconds: c.callDurationSecs,
          transcript: renderTranscript(c.transcript),
          failureReason: c.status === 'failed' ? (c.terminationReason ?? 'failed') : null,
        };
      } catch (err) {
        if (err instanceof ElevenLabsNotFoundError) return null;
        throw toActivityFailure(err);
      }
    },
  };
}

export function renderTranscript(turns: { role: string; message: string | null }[]): string | null {
  const lines = turns.filter((t) => t.message).map((t) => `${t.role}: ${t.message}`);
  return lines.length > 0 ? lines.join('\n') : null;
}
