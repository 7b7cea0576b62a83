import { setTimeout as sleep } from 'node:timers/promises';
import type { Prisma } from '../generated/prisma/client';
import type { PrismaClient } from '../db/prisma';
import { countSlotReservations, deleteVoices, evictLeastRecentlyUsed, reserveSlot, voicesAwaitingDeletion } from '../db/voice-cache';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';

/** ElevenLabs requests made while holding the slot lock get this long each. */
const LOCKED_REQUEST_TIMEOUT_MS = 10_000;
/** Each round either finds the slots, deletes voices, or evicts; more rounds mean others took the freed slots. */
const MAX_ROUNDS = 6;

export interface VoiceSlotRequest {
  /** Free slots wanted, after the slots reserved by clones in flight. */
  free: number;
  maxCallDurationSeconds: number;
  /** Reserve one slot for a clone about to be made, until it exists at ElevenLabs (release it then) or `until`. */
  reserveFor?: { callerId: string; until: Date };
  signal?: AbortSignal;
}

export interface VoiceSlotOutcome {
  evicted: number;
  voicesDeleted: number;
  /** Free slots after this call (its own reservation taken). */
  freeVoiceSlots: number;
  reservationId: string | null;
}

/**
 * Runs `fn` holding the voice-slot lock: a PostgreSQL advisory lock held by the transaction `fn`
 * runs in. Waiting is done outside any transaction (try, then retry after a short pause), so
 * queued clone jobs do not each hold a pooled connection.
 */
async function withVoiceSlotLock<T>(prisma: PrismaClient, signal: AbortSignal | undefined, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  for (;;) {
    signal?.throwIfAborted();
    const result = await prisma.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext('voiceclone:voice-slots')) AS locked`;
        return lock?.locked ? { value: await fn(tx) } : null;
      },
      { maxWait: 10_000, timeout: 4 * LOCKED_REQUEST_TIMEOUT_MS },
    );
    if (result) return result.value;
    await sleep(20 + Math.random() * 40, undefined, signal ? { signal } : {});
  }
}

/**
 * The one place voice slots are freed: makes `free` slots available at ElevenLabs, counting the
 * slots clones in flight have reserved. Under the lock, each round reads the subscription; if short,
 * it deletes voices already invalidated that no call is using, and if still short, invalidates the
 * least recently used clones (whose voices the next round deletes, after the invalidation is
 * committed — a voice is never deleted while its row could still be handed out). With `reserveFor`,
 * the slot is then reserved, so two clone jobs never count the same free slot.
 */
export async function ensureVoiceSlots(prisma: PrismaClient, elevenlabs: ElevenLabsClient, request: VoiceSlotRequest): Promise<VoiceSlotOutcome> {
  const { free: wanted, maxCallDurationSeconds, reserveFor, signal } = request;
  let evicted = 0;
  let voicesDeleted = 0;
  for (let round = 1; ; round++) {
    const step = await withVoiceSlotLock(prisma, signal, async (tx) => {
      const subscription = await elevenlabs.getSubscription({ timeoutMs: LOCKED_REQUEST_TIMEOUT_MS, ...(signal ? { signal } : {}) });
      let free = subscription.voiceLimit - subscription.voiceSlotsUsed - (await countSlotReservations(tx));
      // Voices that fail to delete now still free their slots later: nothing more is evicted for them.
      let failing = 0;
      if (free < wanted) {
        const awaiting = await voicesAwaitingDeletion(tx, { limit: wanted - free, maxCallDurationSeconds, skipInUse: true });
        const deletions = await deleteVoices(tx, elevenlabs, awaiting.map((v) => v.voiceId), { timeoutMs: LOCKED_REQUEST_TIMEOUT_MS });
        if (deletions.stoppedBy) throw deletions.stoppedBy;
        voicesDeleted += deletions.deleted.length;
        free += deletions.deleted.length;
        failing = deletions.failed.length;
      }
      const short = wanted - free - failing;
      const victims = short > 0 && round < MAX_ROUNDS ? await evictLeastRecentlyUsed(tx, short, maxCallDurationSeconds) : [];
      evicted += victims.length;
      if (victims.length > 0) return null;
      const reservationId = reserveFor ? await reserveSlot(tx, reserveFor) : null;
      return { freeVoiceSlots: free - (reservationId ? 1 : 0), reservationId };
    });
    if (step) return { evicted, voicesDeleted, ...step };
  }
}
