import { Router } from 'express';
import type { PrismaClient } from '../../db/prisma';
import { computeStatistics } from '../admin/statistics-sql';
import { HttpError } from '../errors';
import { StatisticsQuerySchema } from '../schemas/admin';
import { parseOrThrow } from '../validation';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Call, cache, clone and hand-over figures over a time window (default: the last 24 hours). */
export function statisticsRouter({ prisma }: { prisma: PrismaClient }): Router {
  const router = Router();
  router.get('/api/v1/statistics', async (req, res) => {
    const query = parseOrThrow(StatisticsQuerySchema, req.query, 'query');
    const until = query.until ? new Date(query.until) : new Date();
    const since = query.since ? new Date(query.since) : new Date(until.getTime() - DAY_MS);
    if (since.getTime() >= until.getTime()) {
      throw new HttpError(400, 'validation_failed', 'Invalid query: since: must be before until', [{ field: 'since', message: 'must be before until' }]);
    }
    res.json(await computeStatistics(prisma, { since, until }));
  });
  return router;
}
