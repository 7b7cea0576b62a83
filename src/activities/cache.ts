import { log } from '@temporalio/activity';
import type { PrismaClient } from '../db/prisma';
import { deleteVoices, handOutCachedVoice, saveClone, type HandOutInput, type SaveCloneOutcome } from '../db/voice-cache';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import type { ClonedVoice } from './clone';
import { recordCloneDuration } from './outcome-metrics';

export interface CachedVoice {
  voiceId: string;
  expiresAt: string;
  reuseCount: number;
}

/** What cloneVoice returned, and how long to cache it. */
export type SaveClonedVoiceInput = ClonedVoice & { callerId: string; ttlSeconds: number };

export interface CloneAttemptFailedInput {
  callerId: string;
  errorMessage: string;
}

/** A discarded clone's voice is deleted at once if ElevenLabs answers within this; else the cleanup job deletes it. */
const DISCARDED_VOICE_DELETE_TIMEOUT_MS = 3000;

export function cacheActivities({ prisma, elevenlabs }: { prisma: PrismaClient; elevenlabs: ElevenLabsClient }) {
  return {
    /**
     * The caller's live cached clone, if any, handed to the call `callId` (null: to the caller's
     * clone job). `countReuse` counts the call as a reuse, once per call however often this is
     * retried. See handOutCachedVoice.
     */
    async findCachedVoice(input: HandOutInput): Promise<CachedVoice | null> {
      const clone = await handOutCachedVoice(prisma, input);
      return clone && { voiceId: clone.voiceId, expiresAt: clone.expiresAt.toISOString(), reuseCount: clone.reuseCount };
    },

    /**
     * Caches a fresh clone and logs it — or, when consent or the sample it was made from was
     * withdrawn or replaced while it was made, discards it (`cached: false`): not cached, and its
     * voice deleted at ElevenLabs (here if ElevenLabs answers at once, else by the cleanup job).
     */
    async saveClonedVoice(input: SaveClonedVoiceInput): Promise<SaveCloneOutcome> {
      const outcome = await saveClone(prisma, input);
      if (outcome.cached) {
        recordCloneDuration(input.apiResponseTimeMs);
        return outcome;
      }
      log.info('Discarded a fresh clone', { reason: outcome.reason, voiceId: input.voiceId });
      const { failed } = await deleteVoices(prisma, elevenlabs, [input.voiceId], { timeoutMs: DISCARDED_VOICE_DELETE_TIMEOUT_MS });
      if (failed.length > 0) log.warn('Could not delete a discarded clone now; the cleanup job will', { voiceId: input.voiceId });
      return outcome;
    },

    async recordCloneAttemptFailed(input: CloneAttemptFailedInput): Promise<void> {
      await prisma.voiceCloneLog.create({ data: { callerId: input.callerId, status: 'failed', errorMessage: input.errorMessage } });
    },
  };
}
