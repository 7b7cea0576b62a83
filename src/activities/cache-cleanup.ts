import { heartbeat } from '@temporalio/activity';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { toActivityFailure } from './failures';
import { deleteCachedVoice } from './voice-slots';

const DELETE_BATCH = 200;

export function cacheCleanupActivities({ prisma, elevenlabs }: { prisma: PrismaClient; elevenlabs: ElevenLabsClient }) {
  return {
    /** Invalidates clones whose TTL has passed. */
    async expireCachedVoices(): Promise<{ expired: number }> {
      const { count } = await prisma.voiceCloneCache.updateMany({
        where: { deletedAt: null, ttlExpiresAt: { lte: new Date() } },
        data: { deletedAt: new Date() },
      });
      return { expired: count };
    },

    /**
     * Keeps `reserve` voice slots free at ElevenLabs by invalidating the least-recently-used clones,
     * so a new clone never fails on voice_limit_reached. Invalidated voices are deleted next.
     */
    async evictForVoiceSlots({ reserve }: { reserve: number }): Promise<{ evicted: number; freeVoiceSlots: number }> {
      const subscription = await elevenlabs.getSubscription().catch((err: unknown) => {
        throw toActivityFailure(err);
      });
      // Voices already invalidated but not yet deleted will free their slots in this run.
      const pendingDeletion = await prisma.voiceCloneCache.count({ where: { deletedAt: { not: null }, voiceDeletedAt: null } });
      const free = subscription.voiceLimit - subscription.voiceSlotsUsed + pendingDeletion;
      if (free >= reserve) return { evicted: 0, freeVoiceSlots: free };
      const victims = await prisma.voiceCloneCache.findMany({
        where: { deletedAt: null },
        orderBy: { lastUsedAt: 'asc' },
        take: reserve - free,
        select: { id: true },
      });
      const { count } = await prisma.voiceCloneCache.updateMany({ where: { id: { in: victims.map((v) => v.id) } }, data: { deletedAt: new Date() } });
      return { evicted: count, freeVoiceSlots: free + count };
    },

    /**
     * Deletes the voices of invalidated clones at ElevenLabs (an already deleted voice counts as
     * done). A voice that fails transiently stays queued for the next run; a bad API key fails the
     * activity so the operator sees it.
     */
    async deleteInvalidatedVoices(): Promise<{ deleted: number; failed: number }> {
      const rows = await prisma.voiceCloneCache.findMany({
        where: { deletedAt: { not: null }, voiceDeletedAt: null },
        orderBy: { deletedAt: 'asc' },
        take: DELETE_BATCH,
        select: { id: true, clonedVoiceId: true },
      });
      let deleted = 0;
      let failed = 0;
      for (const row of rows) {
        heartbeat({ deleted, failed });
        try {
          await deleteCachedVoice(prisma, elevenlabs, row);
          deleted++;
        } catch (err) {
          if (isElevenLabsError(err) && !err.retryable) throw toActivityFailure(err);
          failed++;
        }
      }
      return { deleted, failed };
    },

    /**
     * Personal data (numbers, transcripts) is kept CALL_LOG_RETENTION_DAYS (90 by default, per the
     * specification): calls, post-call payloads, conversation links, clone logs and events, cache
     * rows whose voice is deleted, and voice-sample registrations deleted that long ago.
     */
    async purgeOldCallData({ retentionDays }: { retentionDays: number }): Promise<{ calls: number; postCallEvents: number; conversations: number; other: number }> {
      const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
      const old = { lt: cutoff };
      const results = await prisma.$transaction([
        prisma.callLog.deleteMany({ where: { createdAt: old } }),
        prisma.postCallEvent.deleteMany({ where: { receivedAt: old } }),
        prisma.callConversation.deleteMany({ where: { createdAt: old } }),
        prisma.voiceCloneLog.deleteMany({ where: { createdAt: old } }),
        prisma.cloneReadyEvent.deleteMany({ where: { createdAt: old } }),
        prisma.cloneFailedEvent.deleteMany({ where: { createdAt: old } }),
        prisma.cloneTransferEvent.deleteMany({ where: { createdAt: old } }),
        prisma.voiceCloneCache.deleteMany({ where: { voiceDeletedAt: old } }),
        prisma.callerVoiceMapping.deleteMany({ where: { deletedAt: old } }),
      ]);
      const [calls, postCallEvents, conversations, ...other] = results.map((r) => r.count);
      return { calls: calls!, postCallEvents: postCallEvents!, conversations: conversations!, other: other.reduce((a, b) => a + b, 0) };
    },
  };
}
