import type { PrismaClient } from '../db/prisma';

// Analytics events of the seeds' tables. A retried activity (same id) or a reset workflow (new ids,
// same facts) never writes the same event twice: each is looked up by its natural key first.

export interface CloneReadyEventInput {
  id: string;
  callerId: string;
  greetingCallId: string;
  voiceId: string;
  cloneDurationMs: number;
}

export interface CloneFailedEventInput {
  id: string;
  callerId: string;
  greetingCallId: string;
  errorMessage: string;
}

export interface TransferEventInput {
  id: string;
  greetingCallId: string;
  agentCallId: string;
  voiceId: string;
}

export function eventActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    async recordCloneReady(input: CloneReadyEventInput): Promise<void> {
      const known = await prisma.cloneReadyEvent.findFirst({
        where: { OR: [{ id: input.id }, { greetingCallId: input.greetingCallId, clonedVoiceId: input.voiceId }] },
      });
      if (known) return;
      await prisma.cloneReadyEvent.create({
        data: { id: input.id, callerId: input.callerId, greetingCallId: input.greetingCallId, clonedVoiceId: input.voiceId, cloneDurationMs: input.cloneDurationMs },
      });
    },

    async recordCloneFailed(input: CloneFailedEventInput): Promise<void> {
      const known = await prisma.cloneFailedEvent.findFirst({
        where: { OR: [{ id: input.id }, { greetingCallId: input.greetingCallId, callerId: input.callerId, errorMessage: input.errorMessage }] },
      });
      if (known) return;
      await prisma.cloneFailedEvent.create({
        data: { id: input.id, callerId: input.callerId, greetingCallId: input.greetingCallId, errorMessage: input.errorMessage },
      });
    },

    async recordTransfer(input: TransferEventInput): Promise<void> {
      const known = await prisma.cloneTransferEvent.findFirst({ where: { OR: [{ id: input.id }, { agentCallId: input.agentCallId }] } });
      if (known) return;
      await prisma.cloneTransferEvent.create({
        data: { id: input.id, greetingCallId: input.greetingCallId, agentCallId: input.agentCallId, clonedVoiceId: input.voiceId },
      });
    },
  };
}
