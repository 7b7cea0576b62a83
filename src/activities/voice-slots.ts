import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { ElevenLabsNotFoundError } from '../integrations/elevenlabs/errors';

/** Every clone we make carries this label: how the orphan sweep tells our voices from others. */
export const CLONE_SOURCE_LABEL = { source: 'voiceclone-precall' } as const;
/** Label holding the clone's idempotency key (see cloneKey in clone.ts). */
export const CLONE_KEY_LABEL = 'clone_key';

/** Deletes a voice at ElevenLabs; one that is already gone counts as deleted. */
export async function deleteVoiceIfPresent(elevenlabs: ElevenLabsClient, voiceId: string): Promise<void> {
  try {
    await elevenlabs.deleteVoice(voiceId);
  } catch (err) {
    if (!(err instanceof ElevenLabsNotFoundError)) throw err;
  }
}

/**
 * Deletes an invalidated clone's voice at ElevenLabs (already gone counts as done) and records
 * it, unless a live cache row still uses that voice.
 */
export async function deleteCachedVoice(prisma: PrismaClient, elevenlabs: ElevenLabsClient, row: { id: string; clonedVoiceId: string }): Promise<void> {
  const stillUsed = await prisma.voiceCloneCache.count({ where: { clonedVoiceId: row.clonedVoiceId, deletedAt: null } });
  if (!stillUsed) await deleteVoiceIfPresent(elevenlabs, row.clonedVoiceId);
  await prisma.voiceCloneCache.update({ where: { id: row.id }, data: { voiceDeletedAt: new Date() } });
}

/**
 * Makes room for one more clone: when ElevenLabs reports no free voice slot, the least-recently
 * used cached clone is invalidated and its voice deleted first, so cloning does not fail on
 * voice_limit_reached between two runs of the cleanup job.
 */
export async function freeVoiceSlotIfFull(prisma: PrismaClient, elevenlabs: ElevenLabsClient): Promise<{ evictedVoiceId: string | null }> {
  const subscription = await elevenlabs.getSubscription();
  if (subscription.voiceSlotsUsed < subscription.voiceLimit) return { evictedVoiceId: null };
  const victim = await prisma.voiceCloneCache.findFirst({ where: { deletedAt: null }, orderBy: { lastUsedAt: 'asc' }, select: { id: true, clonedVoiceId: true } });
  if (!victim) return { evictedVoiceId: null };
  await prisma.voiceCloneCache.update({ where: { id: victim.id }, data: { deletedAt: new Date() } });
  await deleteCachedVoice(prisma, elevenlabs, victim);
  return { evictedVoiceId: victim.clonedVoiceId };
}
