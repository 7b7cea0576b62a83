import type { PrismaClient } from '../../db/prisma';
import { invalidateCallerClones } from '../../db/voice-cache';
import type { CallerVoiceMapping, Prisma } from '../../generated/prisma/client';

// Writes to a caller's voice-sample registration (caller_voice_mapping). Each one invalidates the
// caller's cached clones in the same transaction, after the registration row is written (and
// locked): a clone being saved meanwhile either commits first and is invalidated here, or waits
// and sees the change (see saveClone).

export interface RegistrationFields {
  voiceSampleUrl: string;
  /** undefined: keep the current value of an active mapping (or the default for a new one); null: clear. */
  voiceName: string | undefined;
  description: string | null | undefined;
  accountId: string | null | undefined;
}

/**
 * Saves the mapping and invalidates the caller's cached clones, so their next call clones the new
 * sample. A soft-deleted mapping is restored as a new registration. `created` when no active
 * mapping existed.
 */
export async function saveRegistration(prisma: PrismaClient, callerId: string, r: RegistrationFields): Promise<{ row: CallerVoiceMapping; created: boolean }> {
  return prisma.$transaction(async (tx) => {
    const now = new Date();
    const existing = await tx.callerVoiceMapping.findUnique({ where: { callerId } });
    const active = existing !== null && existing.deletedAt === null;
    const fresh = {
      voiceSampleUrl: r.voiceSampleUrl,
      voiceName: r.voiceName ?? `Caller ${callerId.slice(-4)}`,
      description: r.description ?? null,
      accountId: r.accountId ?? null,
    };
    const row = await tx.callerVoiceMapping.upsert({
      where: { callerId },
      create: { callerId, ...fresh, createdAt: now },
      update: active
        ? { voiceSampleUrl: r.voiceSampleUrl, voiceName: r.voiceName, description: r.description, accountId: r.accountId }
        : { ...fresh, createdAt: now, deletedAt: null },
    });
    await invalidateCallerClones(tx, callerId, now);
    return { row, created: !active };
  });
}

export interface DeletedRegistration {
  /** An active registration existed and is deleted now. */
  deleted: boolean;
  /** The caller's registration row (now deleted), if they ever had one. */
  row: CallerVoiceMapping | null;
  /** Cached clones invalidated. */
  invalidated: number;
}

/**
 * Soft-deletes the caller's registration (the row stays, with the sample URL, for the audit trail)
 * and invalidates their cached clones.
 */
export async function deleteRegistration(db: PrismaClient | Prisma.TransactionClient, callerId: string, at: Date): Promise<DeletedRegistration> {
  const { count } = await db.callerVoiceMapping.updateMany({ where: { callerId, deletedAt: null }, data: { deletedAt: at } });
  const invalidated = await invalidateCallerClones(db, callerId, at);
  return { deleted: count > 0, row: await db.callerVoiceMapping.findUnique({ where: { callerId } }), invalidated };
}
