import type { PrismaClient } from './prisma';

export interface MatchedHandoff {
  callId: string;
  /** The answer for ElevenLabs, written before 3CX routed the call. */
  initiationData: unknown;
}

/**
 * The conversation-init webhook's lookup: the newest live pending hand-off for the ElevenLabs
 * number that was dialled, else for the caller; marked matched (its number is free again) in the
 * same statement. One indexed UPDATE … RETURNING: the webhook must answer within tens of ms.
 */
export async function matchPendingHandoff(
  prisma: PrismaClient,
  { calledNumber, callerId, conversationId }: { calledNumber: string | null; callerId: string | null; conversationId: string | null },
): Promise<MatchedHandoff | null> {
  for (const [column, value] of [
    ['sip_number', calledNumber],
    ['caller_id', callerId],
  ] as const) {
    if (!value) continue;
    const rows = await prisma.$queryRawUnsafe<{ call_id: string; initiation_data: unknown }[]>(
      `UPDATE pending_handoffs SET matched_at = now(), conversation_id = COALESCE($2, conversation_id)
        WHERE id = (SELECT id FROM pending_handoffs
                     WHERE ${column} = $1 AND released_at IS NULL AND matched_at IS NULL AND expires_at > now()
                     ORDER BY created_at DESC LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING call_id, initiation_data`,
      value,
      conversationId,
    );
    const row = rows[0];
    if (row) return { callId: row.call_id, initiationData: row.initiation_data };
  }
  return null;
}
