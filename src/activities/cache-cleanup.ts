import { heartbeat, log } from '@temporalio/activity';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient, ListedVoice } from '../integrations/elevenlabs/client';
import { ElevenLabsAuthError, isElevenLabsError } from '../integrations/elevenlabs/errors';
import { toActivityFailure } from './failures';
import { CLONE_SOURCE_LABEL, deleteCachedVoice, deleteVoiceIfPresent } from './voice-slots';

const DELETE_BATCH = 200;
/**
 * An unreferenced clone younger than this is left alone: its clone job may still be about to write
 * the cache row (the clone activity completed, saveClonedVoice not yet run).
 */
export const ORPHAN_GRACE_SECONDS = 3600;

export function cacheCleanupActivities({ prisma, elevenlabs }: { prisma: PrismaClient; elevenlabs: ElevenLabsClient }) {
  /** The given voices that a cache row still references: live, or invalidated but not yet deleted. */
  const referencedVoiceIds = async (voiceIds: string[]): Promise<Set<string>> => {
    const rows = await prisma.voiceCloneCache.findMany({
      where: { clonedVoiceId: { in: voiceIds }, OR: [{ deletedAt: null }, { voiceDeletedAt: null }] },
      select: { clonedVoiceId: true },
    });
    return new Set(rows.map((r) => r.clonedVoiceId));
  };

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
     * done), then sweeps orphans: voices labelled as ours that no cache row references (live, or
     * invalidated with the voice not yet deleted) and older than ORPHAN_GRACE_SECONDS — e.g. the
     * clone of an attempt whose completion never reached Temporal. A voice that fails transiently
     * stays queued for the next run (an orphan is found again; a failed listing counts as one failure);
     * a bad API key fails the activity so the operator sees it. `deleted` and `failed` count both
     * kinds. Caveat: a clone whose cache row is written more than an hour late (saveClonedVoice
     * retrying through a long database outage) could be swept first; the grace covers normal runs.
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
      const attempt = async (fn: () => Promise<void>): Promise<void> => {
        heartbeat({ deleted, failed });
        try {
          await fn();
          deleted++;
        } catch (err) {
          if (isElevenLabsError(err) && !err.retryable) throw toActivityFailure(err);
          failed++;
        }
      };
      for (const row of rows) await attempt(() => deleteCachedVoice(prisma, elevenlabs, row));

      heartbeat({ deleted, failed, phase: 'orphans' });
      let voices: ListedVoice[];
      try {
        voices = await elevenlabs.listVoices();
      } catch (err) {
        if (err instanceof ElevenLabsAuthError) throw toActivityFailure(err);
        // Any other listing failure skips the sweep (counted as one failure); the next run sweeps
        // again, and the rest of the cleanup (the retention purge) still runs.
        log.warn('Could not list voices for the orphan sweep', { error: err instanceof Error ? err.message : String(err) });
        return { deleted, failed: failed + 1 };
      }
      const cutoffUnix = Math.floor(Date.now() / 1000) - ORPHAN_GRACE_SECONDS;
      const candidates = voices.filter(
        (v) => v.labels.source === CLONE_SOURCE_LABEL.source && v.category !== 'premade' && v.createdAtUnix !== null && v.createdAtUnix < cutoffUnix,
      );
      if (candidates.length === 0) return { deleted, failed };
      const referenced = await referencedVoiceIds(candidates.map((v) => v.voiceId));
      const orphans = candidates.filter((v) => !referenced.has(v.voiceId)).slice(0, DELETE_BATCH);
      for (const orphan of orphans) {
        // A row written since the snapshot (a very late saveClonedVoice) wins over the sweep.
        if ((await referencedVoiceIds([orphan.voiceId])).size > 0) continue;
        await attempt(() => deleteVoiceIfPresent(elevenlabs, orphan.voiceId));
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
