import { ApplicationFailure } from '@temporalio/common';
import type { VoiceSource } from '../contracts/call';
import type { DynamicVariables } from '../contracts/gateway';
import type { PrismaClient } from '../db/prisma';
import type { Prisma } from '../generated/prisma/client';
import { buildConversationInitResponse } from '../integrations/elevenlabs/conversation-init';

export interface LeaseSipNumberInput {
  callId: string;
  attempt: number;
  numbers: string[];
  expirySeconds: number;
  callerId: string | null;
  voiceId: string;
  voiceSource: VoiceSource;
  firstMessage: string;
  dynamicVariables: DynamicVariables;
}

export interface RecordHandoffInput {
  callId: string;
  /** Bridge mode: known from the socket's first event. SIP mode: null (ElevenLabs tells us later). */
  conversationId: string | null;
  sipNumber: string | null;
  voiceId: string;
  voiceSource: VoiceSource;
  mode: 'bridge' | 'sip';
}

/** Serialises leases: two hand-offs must never route to the same number at once (correlation). */
const LEASE_LOCK = 'pending_handoffs.lease';

export function handoffActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    /**
     * SIP mode, before 3CX routes the call: picks a number of the pool no pending hand-off holds
     * (the least recently used) and writes what ElevenLabs' conversation-init webhook will answer,
     * so the webhook is a pure lookup. Idempotent per (call, attempt). All numbers busy: retried.
     */
    async leaseSipNumber(input: LeaseSipNumberInput): Promise<{ sipNumber: string }> {
      return prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${LEASE_LOCK}))`;
        const existing = await tx.pendingHandoff.findUnique({ where: { callId_attempt: { callId: input.callId, attempt: input.attempt } } });
        if (existing) return { sipNumber: existing.sipNumber };
        const now = new Date();
        const busy = await tx.pendingHandoff.findMany({
          where: { sipNumber: { in: input.numbers }, releasedAt: null, matchedAt: null, expiresAt: { gt: now } },
          select: { sipNumber: true },
        });
        const taken = new Set(busy.map((b) => b.sipNumber));
        const free = input.numbers.filter((n) => !taken.has(n));
        if (free.length === 0) throw ApplicationFailure.retryable(`All ${input.numbers.length} SIP numbers are in use by pending hand-offs`, 'SipNumbersBusy');
        const sipNumber = await leastRecentlyUsed(tx, free);
        const initiation = buildConversationInitResponse({
          voiceId: input.voiceId,
          firstMessage: input.firstMessage,
          dynamicVariables: input.dynamicVariables,
          userId: input.callId,
        });
        await tx.pendingHandoff.create({
          data: {
            callId: input.callId,
            attempt: input.attempt,
            sipNumber,
            callerId: input.callerId,
            voiceId: input.voiceId,
            voiceSource: input.voiceSource,
            initiationData: initiation as unknown as Prisma.InputJsonObject,
            expiresAt: new Date(now.getTime() + input.expirySeconds * 1000),
          },
        });
        return { sipNumber };
      });
    },

    /** The route failed or the caller left: the number is free for the next hand-off. */
    async releaseSipNumber({ callId, attempt }: { callId: string; attempt: number }): Promise<void> {
      await prisma.pendingHandoff.updateMany({ where: { callId, attempt, releasedAt: null }, data: { releasedAt: new Date() } });
    },

    /**
     * The agent has the call: the transfer event, the conversation (bridge mode) so webhooks that
     * carry only its id find the call, and the call's voice on its call_log row — the cache cleanup
     * never deletes a voice a live call speaks with.
     */
    async recordHandoff(input: RecordHandoffInput): Promise<void> {
      const agentCallId = input.conversationId ?? input.callId;
      await prisma.$transaction(async (tx) => {
        const known = await tx.cloneTransferEvent.findFirst({ where: { greetingCallId: input.callId, agentCallId } });
        if (!known) await tx.cloneTransferEvent.create({ data: { greetingCallId: input.callId, agentCallId, clonedVoiceId: input.voiceId } });
        if (input.conversationId) {
          await tx.callConversation.upsert({
            where: { conversationId: input.conversationId },
            create: { conversationId: input.conversationId, callId: input.callId, step: 'agent', voiceId: input.voiceId },
            update: {},
          });
        }
        await tx.callLog.updateMany({ where: { callId: input.callId, status: 'initiated' }, data: { clonedVoiceId: input.voiceId } });
      });
    },
  };
}

async function leastRecentlyUsed(tx: Prisma.TransactionClient, free: string[]): Promise<string> {
  const last = await tx.pendingHandoff.groupBy({ by: ['sipNumber'], where: { sipNumber: { in: free } }, _max: { createdAt: true } });
  const lastUse = new Map(last.map((l) => [l.sipNumber, l._max.createdAt?.getTime() ?? 0]));
  return [...free].sort((a, b) => (lastUse.get(a) ?? 0) - (lastUse.get(b) ?? 0))[0]!;
}
