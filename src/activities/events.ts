import type { PrismaClient } from '../db/prisma';

// Analytics events of the seeds' tables. A retried activity (same id) or a reset workflow (new ids,
// same facts) never writes the same event twice: each is looked up by its natural key first.
// The seeds' `greeting_call_id` column holds our call id: the greeting is played on the call itself.

export interface CloneReadyEventInput {
  id: string;
  callerId: string;
  callId: string;
  voiceId: string;
  cloneDurationMs: number;
}

export interface CloneFailedEventInput {
  id: string;
  callerId: string;
  callId: string;
  errorMessage: string;
}

export function eventActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Also marks the call's row with the voice: from now on it is in use and never evicted. */
    async recordCloneReady(input: CloneReadyEventInput): Promise<void> {
      await prisma.callLog.updateMany({ where: { callId: input.callId, status: 'initiated' }, data: { clonedVoiceId: input.voiceId } });
      const known = await prisma.cloneReadyEvent.findFirst({
        where: { OR: [{ id: input.id }, { greetingCallId: input.callId, clonedVoiceId: input.voiceId }] },
      });
      if (known) return;
      await prisma.cloneReadyEvent.create({
        data: { id: input.id, callerId: input.callerId, greetingCallId: input.callId, clonedVoiceId: input.voiceId, cloneDurationMs: input.cloneDurationMs },
      });
    },

    async recordCloneFailed(input: CloneFailedEventInput): Promise<void> {
      const known = await prisma.cloneFailedEvent.findFirst({
        where: { OR: [{ id: input.id }, { greetingCallId: input.callId, callerId: input.callerId, errorMessage: input.errorMessage }] },
      });
      if (known) return;
      await prisma.cloneFailedEvent.create({
        data: { id: input.id, callerId: input.callerId, greetingCallId: input.callId, errorMessage: input.errorMessage },
      });
    },
  };
}
