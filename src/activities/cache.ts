import type { PrismaClient } from '../db/prisma';
import { recordCloneDuration } from './outcome-metrics';

export interface CachedVoice {
  voiceId: string;
  expiresAt: string;
  reuseCount: number;
}

export interface SaveClonedVoiceInput {
  callerId: string;
  voiceId: string;
  ttlSeconds: number;
  apiResponseTimeMs: number;
  sampleSizeBytes: number;
}

export interface CloneAttemptFailedInput {
  callerId: string;
  errorMessage: string;
}

export function cacheActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    /** The caller's live cached clone, if any. `countReuse` records that a call is using it. */
    async findCachedVoice({ callerId, countReuse }: { callerId: string; countReuse: boolean }): Promise<CachedVoice | null> {
      const row = await prisma.voiceCloneCache.findFirst({
        where: { callerId, deletedAt: null, ttlExpiresAt: { gt: new Date() } },
        orderBy: { createdAt: 'desc' },
      });
      if (!row) return null;
      const used = countReuse
        ? await prisma.voiceCloneCache.update({ where: { id: row.id }, data: { reuseCount: { increment: 1 }, lastUsedAt: new Date() } })
        : row;
      return { voiceId: used.clonedVoiceId, expiresAt: used.ttlExpiresAt.toISOString(), reuseCount: used.reuseCount };
    },

    /**
     * Caches a fresh clone for TTL and logs the successful attempt, in one transaction. Older rows
     * of the caller are soft-deleted (the cleanup job deletes their voices at ElevenLabs). A retry
     * after a lost acknowledgement finds the row and writes nothing twice.
     */
    async saveClonedVoice(input: SaveClonedVoiceInput): Promise<{ expiresAt: string }> {
      recordCloneDuration(input.apiResponseTimeMs);
      return prisma.$transaction(async (tx) => {
        const existing = await tx.voiceCloneCache.findFirst({ where: { clonedVoiceId: input.voiceId, deletedAt: null } });
        if (existing) return { expiresAt: existing.ttlExpiresAt.toISOString() };
        const now = new Date();
        const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
        await tx.voiceCloneCache.updateMany({ where: { callerId: input.callerId, deletedAt: null }, data: { deletedAt: now } });
        await tx.voiceCloneCache.create({
          data: { callerId: input.callerId, clonedVoiceId: input.voiceId, cloneCreatedAt: now, ttlExpiresAt: expiresAt, reuseCount: 1, lastUsedAt: now },
        });
        await tx.voiceCloneLog.create({
          data: {
            callerId: input.callerId,
            clonedVoiceId: input.voiceId,
            cloneCreatedAt: now,
            apiResponseTimeMs: input.apiResponseTimeMs,
            sampleFileSizeBytes: input.sampleSizeBytes,
            status: 'success',
          },
        });
        return { expiresAt: expiresAt.toISOString() };
      });
    },

    async recordCloneAttemptFailed(input: CloneAttemptFailedInput): Promise<void> {
      await prisma.voiceCloneLog.create({ data: { callerId: input.callerId, status: 'failed', errorMessage: input.errorMessage } });
    },
  };
}
