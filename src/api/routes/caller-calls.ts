import { Router } from 'express';
import type { Config } from '../../config';
import type { PrismaClient } from '../../db/prisma';
import type { CallLog } from '../../generated/prisma/client';
import { parseCallerId } from '../params';
import { CallerCallsQuerySchema, type CallerCallsResponse, type CallLogEntry } from '../schemas/admin';
import { parseOrThrow } from '../validation';

export function toCallLogEntry(row: CallLog): CallLogEntry {
  const metadata = row.metadata !== null && typeof row.metadata === 'object' && !Array.isArray(row.metadata) ? row.metadata : {};
  return {
    call_id: row.callId,
    threecx_call_id: row.threecxCallId,
    caller_id: row.callerId,
    status: row.status,
    cloned_voice_id: row.clonedVoiceId,
    call_started_at: row.callStartedAt.toISOString(),
    call_ended_at: row.callEndedAt?.toISOString() ?? null,
    duration_seconds: row.durationSeconds,
    transcript: row.transcript,
    metadata,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** A caller's call log, newest first, one page at a time. */
export function callerCallsRouter({ config, prisma }: { config: Config; prisma: PrismaClient }): Router {
  const router = Router();
  router.get('/callers/:callerId/calls', async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const { limit, offset } = parseOrThrow(CallerCallsQuerySchema, req.query, 'query');
    const where = { callerId };
    const [total, rows] = await prisma.$transaction([
      prisma.callLog.count({ where }),
      prisma.callLog.findMany({ where, orderBy: [{ callStartedAt: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }], take: limit, skip: offset }),
    ]);
    const body: CallerCallsResponse = { caller_id: callerId, total, limit, offset, calls: rows.map(toCallLogEntry) };
    res.json(body);
  });
  return router;
}
