import type { Prisma, VoiceCloneConsent } from '../generated/prisma/client';
import type { PrismaClient } from './prisma';

type Db = PrismaClient | Prisma.TransactionClient;

export type { VoiceCloneConsent };

export interface ConsentInput {
  givenAt: Date;
  method: string;
  recordedBy: string;
  evidence: string | null;
}

/** `given`: consent is on record; `withdrawn`: it was, and was withdrawn; `none`: never recorded. */
export type ConsentState = 'given' | 'withdrawn' | 'none';

export function consentState(row: Pick<VoiceCloneConsent, 'withdrawnAt'> | null): ConsentState {
  if (!row) return 'none';
  return row.withdrawnAt === null ? 'given' : 'withdrawn';
}

export function findConsent(db: Db, callerId: string): Promise<VoiceCloneConsent | null> {
  return db.voiceCloneConsent.findUnique({ where: { callerId } });
}

/**
 * Records the caller's consent (a new record, or a new grant after a withdrawal, which clears the
 * withdrawal). `created` when the caller had no record yet.
 */
export async function recordConsent(prisma: PrismaClient, callerId: string, input: ConsentInput): Promise<{ row: VoiceCloneConsent; created: boolean }> {
  return prisma.$transaction(async (tx) => {
    const existing = await tx.voiceCloneConsent.findUnique({ where: { callerId }, select: { id: true } });
    const fields = { ...input, withdrawnAt: null, withdrawnBy: null };
    const row = await tx.voiceCloneConsent.upsert({ where: { callerId }, create: { callerId, ...fields }, update: fields });
    return { row, created: existing === null };
  });
}

/** Marks the caller's consent withdrawn; an earlier withdrawal keeps its time and author. Null without a record. */
export async function withdrawConsent(db: Db, callerId: string, withdrawnBy: string | null, at: Date): Promise<VoiceCloneConsent | null> {
  await db.voiceCloneConsent.updateMany({ where: { callerId, withdrawnAt: null }, data: { withdrawnAt: at, withdrawnBy } });
  return findConsent(db, callerId);
}
