import { heartbeat, log } from '@temporalio/activity';
import type { PrismaClient } from '../db/prisma';
import { deleteVoiceIfPresent, deleteVoices, expireClones, referencedVoiceIds, voicesAwaitingDeletion } from '../db/voice-cache';
import type { ElevenLabsClient, ListedVoice } from '../integrations/elevenlabs/client';
import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { CLONE_SOURCE_LABEL } from './clone';
import { toActivityFailure } from './failures';
import { ensureVoiceSlots, type VoiceSlotOutcome } from './voice-slots';

const DELETE_BATCH = 200;
/**
 * An unreferenced clone younger than this is left alone: its clone job may still be about to write
 * the cache row (the clone activity completed, saveClonedVoice not yet run).
 */
export const ORPHAN_GRACE_SECONDS = 3600;

/** Longer than any call (MAX_CALL_DURATION_SECONDS is at most a day). */
const PENDING_HANDOFF_KEEP_MS = 86_400_000;

export function cacheCleanupActivities({ prisma, elevenlabs }: { prisma: PrismaClient; elevenlabs: ElevenLabsClient }) {
  return {
    /** Invalidates clones whose TTL has passed (their voices are deleted once no call uses them). */
    async expireCachedVoices(): Promise<{ expired: number }> {
      return { expired: await expireClones(prisma) };
    },

    /**
     * Keeps `reserve` voice slots free at ElevenLabs (ensureVoiceSlots: voices no call uses, least
     * recently used first), so a new clone rarely has to make room itself.
     */
    async evictForVoiceSlots({ reserve, maxCallDurationSeconds }: { reserve: number; maxCallDurationSeconds: number }): Promise<Omit<VoiceSlotOutcome, 'reservationId'>> {
      try {
        const { evicted, voicesDeleted, freeVoiceSlots } = await ensureVoiceSlots(prisma, elevenlabs, { free: reserve, maxCallDurationSeconds });
        return { evicted, voicesDeleted, freeVoiceSlots };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /**
     * Deletes at ElevenLabs the voices of invalidated clones that no live call is using (an already
     * deleted voice counts as done; a voice in use waits for a later run, after its call), then
     * sweeps orphans: voices labelled as ours that no cache row references (live, or invalidated
     * with the voice not yet deleted) and older than ORPHAN_GRACE_SECONDS — e.g. the clone of an
     * attempt whose completion never reached Temporal. A voice that fails transiently stays queued
     * for the next run (an orphan is found again; a failed listing counts as one failure); a bad API
     * key fails the activity so the operator sees it. `deleted` and `failed` count both kinds.
     * Caveat: a clone whose cache row is written more than an hour late (saveClonedVoice retrying
     * through a long database outage) could be swept first; the grace covers normal runs.
     */
    async deleteInvalidatedVoices({ maxCallDurationSeconds }: { maxCallDurationSeconds: number }): Promise<{ deleted: number; failed: number }> {
      let deleted = 0;
      let failed = 0;
      const progress = () => heartbeat({ deleted, failed });
      const awaiting = await voicesAwaitingDeletion(prisma, { limit: DELETE_BATCH, maxCallDurationSeconds, skipInUse: true });
      const result = await deleteVoices(prisma, elevenlabs, awaiting.map((v) => v.voiceId), { beforeEach: progress });
      if (result.stoppedBy) throw toActivityFailure(result.stoppedBy);
      deleted += result.deleted.length;
      failed += result.failed.length;

      heartbeat({ deleted, failed, phase: 'orphans' });
      let voices: ListedVoice[];
      try {
        voices = await elevenlabs.listVoices();
      } catch (err) {
        if (isElevenLabsError(err, 'auth')) throw toActivityFailure(err);
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
      const referenced = await referencedVoiceIds(prisma, candidates.map((v) => v.voiceId));
      const orphans = candidates.filter((v) => !referenced.has(v.voiceId)).slice(0, DELETE_BATCH);
      for (const orphan of orphans) {
        progress();
        // A row written since the snapshot (a very late saveClonedVoice) wins over the sweep.
        if ((await referencedVoiceIds(prisma, [orphan.voiceId])).size > 0) continue;
        try {
          await deleteVoiceIfPresent(elevenlabs, orphan.voiceId);
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
        // Pending SIP hand-offs only matter around their call (≤ a day), but hold the caller's number.
        prisma.pendingHandoff.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - PENDING_HANDOFF_KEEP_MS) } } }),
      ]);
      const [calls, postCallEvents, conversations, ...other] = results.map((r) => r.count);
      return { calls: calls!, postCallEvents: postCallEvents!, conversations: conversations!, other: other.reduce((a, b) => a + b, 0) };
    },
  };
}
