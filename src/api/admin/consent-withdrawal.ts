import type { Client } from '@temporalio/client';
import { withdrawConsent, type VoiceCloneConsent } from '../../db/consent';
import type { PrismaClient } from '../../db/prisma';
import { deleteVoices, voicesAwaitingDeletion, type VoiceRemover } from '../../db/voice-cache';
import { isStorageError, type VoiceSampleStore } from '../../integrations/storage';
import type { ConsentWithdrawalResponse } from '../schemas/admin';
import { triggerCacheCleanup } from './cache-cleanup-trigger';
import { deleteRegistration } from './voice-registration';

export interface WithdrawalDeps {
  prisma: PrismaClient;
  storage: VoiceSampleStore;
  elevenlabs: VoiceRemover;
  temporal: Client;
  maxCallDurationSeconds: number;
}

/** More voices than this for one caller are left to the cleanup job (and not listed). */
const CALLER_VOICES_LIMIT = 100;
const DELETE_TIMEOUT_MS = 10_000;

type Removed = ConsentWithdrawalResponse['removed'];

/**
 * Withdraws the caller's consent and removes what was made from their voice. First, in one
 * transaction, so nothing can be lost afterwards: consent withdrawn, the sample registration
 * deleted, cached clones invalidated (no call is handed them again, no clone job caches a new
 * one). Then the stored sample file is deleted, and the caller's voices at ElevenLabs — except one
 * a live call is speaking in (the cleanup job deletes it after the call) or one ElevenLabs fails to
 * delete (invalidated rows are the cleanup job's queue; a run is triggered). Repeating the
 * withdrawal finishes whatever failed.
 */
export async function withdrawCloneConsent(
  deps: WithdrawalDeps,
  callerId: string,
  withdrawnBy: string | null,
): Promise<{ consent: VoiceCloneConsent | null; removed: Removed; pendingVoiceDeletion: ConsentWithdrawalResponse['pending_voice_deletion'] }> {
  const { prisma } = deps;
  const { consent, registration } = await prisma.$transaction(async (tx) => {
    const at = new Date();
    return { consent: await withdrawConsent(tx, callerId, withdrawnBy, at), registration: await deleteRegistration(tx, callerId, at) };
  });
  const sampleFile = registration.row ? await deleteSampleFile(deps, callerId, registration.row.voiceSampleUrl) : 'none';
  const voices = await deleteCallerVoices(deps, callerId);
  const pendingVoiceDeletion = voices.voices_pending.length > 0 ? await triggerCacheCleanup(deps.temporal) : 'none';
  return {
    consent,
    removed: {
      registration: registration.deleted ? 'deleted' : registration.row ? 'already_deleted' : 'none',
      sample_file: sampleFile,
      cached_clones: registration.invalidated,
      ...voices,
    },
    pendingVoiceDeletion,
  };
}

/** Deletes the stored sample unless another caller's live registration uses the same file. */
async function deleteSampleFile({ prisma, storage }: WithdrawalDeps, callerId: string, url: string): Promise<Removed['sample_file']> {
  const shared = await prisma.callerVoiceMapping.count({ where: { voiceSampleUrl: url, deletedAt: null, callerId: { not: callerId } } });
  if (shared > 0) return 'shared';
  try {
    await storage.delete(url);
    return 'deleted';
  } catch (err) {
    if (isStorageError(err)) return 'failed';
    throw err;
  }
}

async function deleteCallerVoices({ prisma, elevenlabs, maxCallDurationSeconds }: WithdrawalDeps, callerId: string): Promise<Pick<Removed, 'voices_deleted' | 'voices_pending'>> {
  const awaiting = await voicesAwaitingDeletion(prisma, { callerId, limit: CALLER_VOICES_LIMIT, maxCallDurationSeconds, skipInUse: false });
  const inUse = awaiting.filter((v) => v.inUse).map((v) => ({ voice_id: v.voiceId, reason: 'in_use' as const }));
  const deletable = awaiting.filter((v) => !v.inUse).map((v) => v.voiceId);
  // Failures (even a rejected API key) leave the voices to the cleanup job, whose run shows them.
  const result = await deleteVoices(prisma, elevenlabs, deletable, { timeoutMs: DELETE_TIMEOUT_MS });
  return {
    voices_deleted: result.deleted,
    voices_pending: [...inUse, ...result.failed.map((voiceId) => ({ voice_id: voiceId, reason: 'elevenlabs_error' as const }))],
  };
}
