import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { isElevenLabsError, type ElevenLabsError } from '../integrations/elevenlabs/errors';
import type { PrismaClient } from './prisma';

// The cache of cloned voices (voice_clone_cache) and the lifecycle of their voices at ElevenLabs:
// handed out to calls, saved, invalidated (soft-deleted, never chosen again), and deleted at
// ElevenLabs once no live call can be using them. The API and the activities both use this module.

type Db = PrismaClient | Prisma.TransactionClient;

export interface LiveClone {
  voiceId: string;
  expiresAt: Date;
  reuseCount: number;
}

/**
 * A voice is in use while a call that may still be live names it: `call_log` status `initiated`,
 * `cloned_voice_id` the voice (written when the call is handed the voice, at the latest at
 * hand-off), started within MAX_CALL_DURATION_SECONDS. Its voice is never deleted at ElevenLabs.
 */
function inUse(voiceColumn: Prisma.Sql, maxCallDurationSeconds: number): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM call_log l WHERE l.cloned_voice_id = ${voiceColumn} AND l.status = 'initiated'
    AND l.call_started_at > now() - ${maxCallDurationSeconds}::int * interval '1 second')`;
}

/**
 * The least recently used clones are not evicted while they were handed out this recently: a call
 * given its voice by the clone job names it in call_log only when it hands off.
 */
export const RECENT_HANDOUT_GUARD_SECONDS = 300;

// --- Live clones -----------------------------------------------------------------------------------

/** The caller's newest clone that calls may use: not invalidated, TTL not passed. Reads only. */
export async function findLiveClone(db: Db, callerId: string): Promise<LiveClone | null> {
  const row = await db.voiceCloneCache.findFirst({
    where: { callerId, deletedAt: null, ttlExpiresAt: { gt: new Date() } },
    orderBy: { createdAt: 'desc' },
    select: { clonedVoiceId: true, ttlExpiresAt: true, reuseCount: true },
  });
  return row && { voiceId: row.clonedVoiceId, expiresAt: row.ttlExpiresAt, reuseCount: row.reuseCount };
}

export interface HandOutInput {
  callerId: string;
  /** The call that will speak in the voice; null for the caller's clone job (which passes it to its calls). */
  callId: string | null;
  /** Count the call as a reuse of the clone (once per call, however often this is retried). */
  countReuse: boolean;
}

/**
 * The caller's live clone, handed out: `last_used_at` is set, and with a call id the call's
 * `call_log` row is marked with the voice — from then on the voice is in use. `reuse_count` grows
 * only when that row named no voice before, so a retry after a lost answer counts nothing twice (a
 * call without a call_log row yet is not counted). The cache row is locked first: an eviction or
 * invalidation running meanwhile either waits and then finds the row just used, or has already
 * invalidated it and it is not handed out.
 */
export async function handOutCachedVoice(prisma: PrismaClient, { callerId, callId, countReuse }: HandOutInput): Promise<LiveClone | null> {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string; cloned_voice_id: string }[]>`
      SELECT id, cloned_voice_id FROM voice_clone_cache
      WHERE caller_id = ${callerId} AND deleted_at IS NULL AND ttl_expires_at > now()
      ORDER BY created_at DESC LIMIT 1 FOR UPDATE`;
    if (!row) return null;
    let firstUseByCall = false;
    if (callId !== null) {
      const marked = await tx.$queryRaw<{ previous: string | null }[]>`
        WITH previous AS (SELECT id, cloned_voice_id FROM call_log WHERE call_id = ${callId} FOR UPDATE)
        UPDATE call_log SET cloned_voice_id = ${row.cloned_voice_id}, updated_at = now()
        FROM previous WHERE call_log.id = previous.id
        RETURNING previous.cloned_voice_id AS previous`;
      firstUseByCall = marked.length === 1 && marked[0]!.previous === null;
    }
    const used = await tx.voiceCloneCache.update({
      where: { id: row.id },
      data: { lastUsedAt: new Date(), ...(countReuse && firstUseByCall ? { reuseCount: { increment: 1 } } : {}) },
    });
    return { voiceId: used.clonedVoiceId, expiresAt: used.ttlExpiresAt, reuseCount: used.reuseCount };
  });
}

// --- Saving a fresh clone --------------------------------------------------------------------------

/** The caller's voice-sample registration a clone was made from: its URL and when it was last written. */
export interface SampleRegistration {
  url: string;
  updatedAt: string;
}

export function sampleRegistrationOf(mapping: { voiceSampleUrl: string; updatedAt: Date }): SampleRegistration {
  return { url: mapping.voiceSampleUrl, updatedAt: mapping.updatedAt.toISOString() };
}

export interface CloneToSave {
  callerId: string;
  voiceId: string;
  ttlSeconds: number;
  apiResponseTimeMs: number;
  sampleSizeBytes: number;
  sampleRegistration: SampleRegistration;
}

/** `invalidated`: cached, then invalidated before a retried save learnt it was cached. */
export type CloneDiscardReason = 'consent_withdrawn' | 'sample_withdrawn' | 'sample_replaced' | 'invalidated';

export type SaveCloneOutcome = { cached: true; expiresAt: string } | { cached: false; reason: CloneDiscardReason; message: string };

const DISCARD_MESSAGES: Record<CloneDiscardReason, string> = {
  consent_withdrawn: 'Consent to clone the caller’s voice was withdrawn while the clone was made',
  sample_withdrawn: 'The caller’s voice sample was withdrawn while the clone was made',
  sample_replaced: 'The caller’s voice sample was replaced while the clone was made',
  invalidated: 'The clone was invalidated as soon as it was cached',
};

const isDiscardReason = (value: string | null): value is CloneDiscardReason => value !== null && value in DISCARD_MESSAGES;

/**
 * Caches a fresh clone for its TTL and logs the attempt, in one transaction — unless, meanwhile,
 * the caller's consent was withdrawn or the sample it was made from was withdrawn or replaced. The
 * caller's registration row is locked, so a withdrawal or re-registration either waits for this
 * save (and then invalidates the new row) or is seen by it. A discarded clone is recorded as an
 * invalidated row (the voice is deleted at ElevenLabs by whoever deletes invalidated voices) and
 * logged `discarded`. A retry after a lost answer finds its row and its log and writes nothing twice.
 */
export async function saveClone(prisma: PrismaClient, input: CloneToSave): Promise<SaveCloneOutcome> {
  return prisma.$transaction(async (tx) => {
    const earlier = await tx.voiceCloneCache.findFirst({ where: { clonedVoiceId: input.voiceId }, orderBy: { createdAt: 'desc' } });
    if (earlier) {
      if (earlier.deletedAt === null) return { cached: true, expiresAt: earlier.ttlExpiresAt.toISOString() };
      const log = await tx.voiceCloneLog.findFirst({ where: { clonedVoiceId: input.voiceId, status: 'discarded' }, select: { errorMessage: true } });
      const logged = log?.errorMessage ?? null;
      const reason = isDiscardReason(logged) ? logged : 'invalidated';
      return { cached: false, reason, message: DISCARD_MESSAGES[reason] };
    }
    const [mapping] = await tx.$queryRaw<{ voice_sample_url: string; updated_at: Date; deleted_at: Date | null }[]>`
      SELECT voice_sample_url, updated_at, deleted_at FROM caller_voice_mapping WHERE caller_id = ${input.callerId} FOR UPDATE`;
    const consent = await tx.voiceCloneConsent.findUnique({ where: { callerId: input.callerId }, select: { withdrawnAt: true } });
    const discard: CloneDiscardReason | null =
      consent?.withdrawnAt != null
        ? 'consent_withdrawn'
        : !mapping || mapping.deleted_at !== null
          ? 'sample_withdrawn'
          : mapping.voice_sample_url !== input.sampleRegistration.url || mapping.updated_at.getTime() !== Date.parse(input.sampleRegistration.updatedAt)
            ? 'sample_replaced'
            : null;
    const now = new Date();
    const log = { callerId: input.callerId, clonedVoiceId: input.voiceId, cloneCreatedAt: now, apiResponseTimeMs: input.apiResponseTimeMs, sampleFileSizeBytes: input.sampleSizeBytes };
    if (discard) {
      await tx.voiceCloneCache.create({ data: { callerId: input.callerId, clonedVoiceId: input.voiceId, cloneCreatedAt: now, ttlExpiresAt: now, reuseCount: 0, lastUsedAt: now, deletedAt: now } });
      await tx.voiceCloneLog.create({ data: { ...log, status: 'discarded', errorMessage: discard } });
      return { cached: false, reason: discard, message: DISCARD_MESSAGES[discard] };
    }
    const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
    await invalidateCallerClones(tx, input.callerId, now);
    await tx.voiceCloneCache.create({
      data: { callerId: input.callerId, clonedVoiceId: input.voiceId, cloneCreatedAt: now, ttlExpiresAt: expiresAt, reuseCount: 1, lastUsedAt: now },
    });
    await tx.voiceCloneLog.create({ data: { ...log, status: 'success' } });
    return { cached: true, expiresAt: expiresAt.toISOString() };
  });
}

// --- Invalidation ----------------------------------------------------------------------------------

/** Invalidates every live clone of the caller (never chosen again); their voices go when no call uses them. */
export async function invalidateCallerClones(db: Db, callerId: string, at = new Date()): Promise<number> {
  const { count } = await db.voiceCloneCache.updateMany({ where: { callerId, deletedAt: null }, data: { deletedAt: at } });
  return count;
}

/** Invalidates the clones whose TTL has passed. */
export async function expireClones(db: Db): Promise<number> {
  const { count } = await db.voiceCloneCache.updateMany({ where: { deletedAt: null, ttlExpiresAt: { lte: new Date() } }, data: { deletedAt: new Date() } });
  return count;
}

/**
 * Invalidates up to `count` least-recently-used live clones whose voices no call is using and that
 * were not handed out within RECENT_HANDOUT_GUARD_SECONDS. Rows being handed out right now are
 * skipped (locked), and a row handed out since this statement began no longer qualifies.
 */
export async function evictLeastRecentlyUsed(db: Db, count: number, maxCallDurationSeconds: number): Promise<{ voiceId: string }[]> {
  if (count <= 0) return [];
  const rows = await db.$queryRaw<{ cloned_voice_id: string }[]>`
    UPDATE voice_clone_cache SET deleted_at = now()
    WHERE id IN (
      SELECT c.id FROM voice_clone_cache c
      WHERE c.deleted_at IS NULL
        AND c.last_used_at < now() - ${RECENT_HANDOUT_GUARD_SECONDS}::int * interval '1 second'
        AND NOT ${inUse(Prisma.sql`c.cloned_voice_id`, maxCallDurationSeconds)}
      ORDER BY c.last_used_at ASC
      LIMIT ${count}::int
      FOR UPDATE SKIP LOCKED
    )
    RETURNING cloned_voice_id`;
  return rows.map((r) => ({ voiceId: r.cloned_voice_id }));
}

// --- Voices awaiting deletion at ElevenLabs --------------------------------------------------------

export interface VoiceAwaitingDeletion {
  voiceId: string;
  inUse: boolean;
}

/**
 * Voices of invalidated rows not yet deleted at ElevenLabs (and not used by any live row), oldest
 * invalidation first; `skipInUse` leaves out those a live call is using.
 */
export async function voicesAwaitingDeletion(
  db: Db,
  { callerId, limit, maxCallDurationSeconds, skipInUse }: { callerId?: string; limit: number; maxCallDurationSeconds: number; skipInUse: boolean },
): Promise<VoiceAwaitingDeletion[]> {
  const rows = await db.$queryRaw<{ voice_id: string; in_use: boolean }[]>`
    SELECT v.voice_id, v.in_use FROM (
      SELECT c.cloned_voice_id AS voice_id, min(c.deleted_at) AS since, ${inUse(Prisma.sql`c.cloned_voice_id`, maxCallDurationSeconds)} AS in_use
      FROM voice_clone_cache c
      WHERE c.deleted_at IS NOT NULL AND c.voice_deleted_at IS NULL
        ${callerId === undefined ? Prisma.empty : Prisma.sql`AND c.caller_id = ${callerId}`}
        AND NOT EXISTS (SELECT 1 FROM voice_clone_cache live WHERE live.cloned_voice_id = c.cloned_voice_id AND live.deleted_at IS NULL)
      GROUP BY c.cloned_voice_id
    ) v
    ${skipInUse ? Prisma.sql`WHERE NOT v.in_use` : Prisma.empty}
    ORDER BY v.since
    LIMIT ${limit}::int`;
  return rows.map((r) => ({ voiceId: r.voice_id, inUse: r.in_use }));
}

export type VoiceRemover = Pick<ElevenLabsClient, 'deleteVoice'>;

/** Deletes a voice at ElevenLabs; one that is already gone counts as deleted. */
export async function deleteVoiceIfPresent(elevenlabs: VoiceRemover, voiceId: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  try {
    await elevenlabs.deleteVoice(voiceId, options);
  } catch (err) {
    if (!isElevenLabsError(err, 'notFound')) throw err;
  }
}

export interface VoiceDeletions {
  deleted: string[];
  /** Not deleted: a failure a retry may fix, or not tried after `stoppedBy`. They stay awaiting deletion. */
  failed: string[];
  /** An ElevenLabs failure no retry fixes (a rejected API key), which ended the deletions. */
  stoppedBy: ElevenLabsError | null;
}

/** Deletes the given voices at ElevenLabs and records it on their invalidated rows. */
export async function deleteVoices(
  db: Db,
  elevenlabs: VoiceRemover,
  voiceIds: string[],
  { beforeEach, timeoutMs }: { beforeEach?: () => void; timeoutMs?: number } = {},
): Promise<VoiceDeletions> {
  const result: VoiceDeletions = { deleted: [], failed: [], stoppedBy: null };
  for (const [i, voiceId] of voiceIds.entries()) {
    beforeEach?.();
    try {
      await deleteVoiceIfPresent(elevenlabs, voiceId, timeoutMs === undefined ? {} : { timeoutMs });
      await db.voiceCloneCache.updateMany({ where: { clonedVoiceId: voiceId, deletedAt: { not: null }, voiceDeletedAt: null }, data: { voiceDeletedAt: new Date() } });
      result.deleted.push(voiceId);
    } catch (err) {
      if (isElevenLabsError(err) && !err.retryable) {
        result.failed.push(...voiceIds.slice(i));
        result.stoppedBy = err;
        break;
      }
      result.failed.push(voiceId);
    }
  }
  return result;
}

/** Those of the given voices that a cache row still references: live, or invalidated and not yet deleted. */
export async function referencedVoiceIds(db: Db, voiceIds: string[]): Promise<Set<string>> {
  const rows = await db.voiceCloneCache.findMany({
    where: { clonedVoiceId: { in: voiceIds }, OR: [{ deletedAt: null }, { voiceDeletedAt: null }] },
    select: { clonedVoiceId: true },
  });
  return new Set(rows.map((r) => r.clonedVoiceId));
}

// --- Voice slot reservations -----------------------------------------------------------------------

/**
 * A clone in flight holds a voice slot that ElevenLabs counts only once the voice exists. Without a
 * table of its own, the reservation is a cache row no query treats as a clone: its voice id carries
 * this prefix, it is born invalidated with its "voice" already deleted (so nothing hands it out,
 * deletes it at ElevenLabs or sweeps around it), and `ttl_expires_at` is when it lapses.
 */
const RESERVATION_PREFIX = 'slot-reservation:';

/** Live reservations; lapsed ones are dropped on the way. */
export async function countSlotReservations(db: Db): Promise<number> {
  const now = new Date();
  await db.voiceCloneCache.deleteMany({ where: { clonedVoiceId: { startsWith: RESERVATION_PREFIX }, ttlExpiresAt: { lte: now } } });
  return db.voiceCloneCache.count({ where: { clonedVoiceId: { startsWith: RESERVATION_PREFIX } } });
}

export async function reserveSlot(db: Db, { callerId, until }: { callerId: string; until: Date }): Promise<string> {
  const now = new Date();
  const row = await db.voiceCloneCache.create({
    data: { callerId, clonedVoiceId: `${RESERVATION_PREFIX}${randomUUID()}`, cloneCreatedAt: now, ttlExpiresAt: until, reuseCount: 0, lastUsedAt: now, deletedAt: now, voiceDeletedAt: now },
    select: { id: true },
  });
  return row.id;
}

export async function releaseSlot(db: Db, reservationId: string): Promise<void> {
  await db.voiceCloneCache.deleteMany({ where: { id: reservationId, clonedVoiceId: { startsWith: RESERVATION_PREFIX } } });
}
