import type { PrismaClient } from '../db/prisma';
import { storableJson, storableText } from '../db/storable';
import type { Prisma } from '../generated/prisma/client';
import { recordCallOutcome } from './outcome-metrics';
import type { CallInput, CallLogStatus } from '../contracts/call';

export interface FinalizeCallLogInput {
  callId: string;
  status: Exclude<CallLogStatus, 'initiated'>;
  endedAt: string;
  durationSeconds: number | null;
  transcript: string | null;
  clonedVoiceId: string | null;
  metadata: Record<string, unknown>;
}

export function callLogActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Inserts the call's row; a retry or a replayed workflow finds it already there. */
    async recordCallStarted(input: CallInput): Promise<void> {
      // 3CX's caller id and name are text from outside: stored as PostgreSQL can keep them.
      const metadata = storableJson({
        pbx: input.pbx,
        caller_raw: input.caller.raw,
        caller_kind: input.caller.kind,
        caller_name: input.callerName,
        called_number: input.calledNumber,
        source: input.source,
        participant_id: input.participantId,
        received_at: input.receivedAt,
      });
      await prisma.callLog.upsert({
        where: { callId: input.callId },
        create: {
          callId: input.callId,
          threecxCallId: input.threecxCallId,
          callerId: storableText(input.caller.e164 ?? input.caller.raw),
          callStartedAt: new Date(input.occurredAt),
          status: 'initiated',
          metadata,
        },
        update: {},
      });
    },

    /**
     * Writes the call's final state; metadata keys are merged into what is there. The transcript and
     * metadata strings come from ElevenLabs: NULs in them would fail this write on every retry.
     */
    async finalizeCallLog(input: FinalizeCallLogInput): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const row = await tx.callLog.findUniqueOrThrow({ where: { callId: input.callId }, select: { metadata: true } });
        const previous = row.metadata !== null && typeof row.metadata === 'object' && !Array.isArray(row.metadata) ? row.metadata : {};
        await tx.callLog.update({
          where: { callId: input.callId },
          data: {
            status: input.status,
            callEndedAt: new Date(input.endedAt),
            durationSeconds: input.durationSeconds,
            transcript: input.transcript === null ? null : storableText(input.transcript),
            clonedVoiceId: input.clonedVoiceId,
            metadata: storableJson({ ...previous, ...input.metadata }) as Prisma.InputJsonObject,
          },
        });
      });
      const meta = input.metadata as { voice_source?: string | null; fallback_reason?: string | null };
      recordCallOutcome(input.status, meta.voice_source ?? null, meta.fallback_reason ?? null);
    },
  };
}
