import type { PrismaClient } from '../db/prisma';

// Analytics events of the seeds' tables. Each carries an id chosen by the workflow
// (deterministic), so a retried activity never writes the same event twice.

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
      await prisma.cloneReadyEvent.upsert({
        where: { id: input.id },
        create: { id: input.id, callerId: input.callerId, greetingCallId: input.greetingCallId, clonedVoiceId: input.voiceId, cloneDurationMs: input.cloneDurationMs },
        update: {},
      });
    },

    async recordCloneFailed(input: CloneFailedEventInput): Promise<void> {
      await prisma.cloneFailedEvent.upsert({
        where: { id: input.id },
        create: { id: input.id, callerId: input.callerId, greetingCallId: input.greetingCallId, errorMessage: input.errorMessage },
        update: {},
      });
    },

    async recordTransfer(input: TransferEventInput): Promise<void> {
      await prisma.cloneTransferEvent.upsert({
        where: { id: input.id },
        create: { id: input.id, greetingCallId: input.greetingCallId, agentCallId: input.agentCallId, clonedVoiceId: input.voiceId },
        update: {},
      });
    },
  };
}
