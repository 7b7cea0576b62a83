import type { PrismaClient } from '../../db/prisma';
import type { StatisticsResponse } from '../schemas/admin';

export interface StatisticsWindow {
  since: Date;
  /** Exclusive. */
  until: Date;
}

// Every figure is aggregated by PostgreSQL; no rows are fetched. call_log.metadata is `json` (not
// `jsonb`), hence `->>`. Counts are cast to int and averages to float8 so the driver hands back
// plain numbers instead of BigInt / Decimal.

interface CallRow {
  total: number;
  completed: number;
  failed: number;
  abandoned: number;
  cancelled: number;
  in_progress: number;
  decided: number;
  cache: number;
  clone: number;
  default: number;
  cache_hit_rate: number | null;
  fallback_total: number;
  fallback_rate: number | null;
}

interface HoldRow {
  calls: number;
  p50: number | null;
  p95: number | null;
  dead_air_p95: number | null;
  abandoned: number;
  abandonment_rate: number | null;
}

interface FailureRow {
  reason: string;
  count: number;
  fallback_routed: number;
}

interface FallbackRow {
  reason: string;
  count: number;
  rate: number;
}

interface CloneRow {
  attempts: number;
  succeeded: number;
  failed: number;
  avg: number | null;
  p95: number | null;
}

interface LatencyRow {
  count: number;
  avg: number | null;
  p95: number | null;
}

export async function computeStatistics(prisma: PrismaClient, { since, until }: StatisticsWindow): Promise<StatisticsResponse> {
  const [[calls], fallbacks, [clones], [latency], [hold], failures] = await Promise.all([
    prisma.$queryRaw<CallRow[]>`
      WITH c AS (
        SELECT status, metadata->>'voice_source' AS voice_source, metadata->>'fallback_reason' AS fallback_reason
        FROM call_log
        WHERE call_started_at >= ${since}::timestamptz AND call_started_at < ${until}::timestamptz
      )
      SELECT
        count(*)::int AS total,
        count(*) FILTER (WHERE status = 'completed')::int AS completed,
        count(*) FILTER (WHERE status = 'failed')::int AS failed,
        count(*) FILTER (WHERE status = 'abandoned')::int AS abandoned,
        count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
        count(*) FILTER (WHERE status = 'initiated')::int AS in_progress,
        count(voice_source)::int AS decided,
        count(*) FILTER (WHERE voice_source = 'cache')::int AS cache,
        count(*) FILTER (WHERE voice_source = 'clone')::int AS clone,
        count(*) FILTER (WHERE voice_source = 'default')::int AS "default",
        (count(*) FILTER (WHERE voice_source = 'cache'))::float8 / NULLIF(count(voice_source), 0) AS cache_hit_rate,
        count(*) FILTER (WHERE voice_source IS NOT NULL AND fallback_reason IS NOT NULL)::int AS fallback_total,
        (count(*) FILTER (WHERE voice_source IS NOT NULL AND fallback_reason IS NOT NULL))::float8 / NULLIF(count(voice_source), 0) AS fallback_rate
      FROM c`,
    prisma.$queryRaw<FallbackRow[]>`
      WITH decided AS (
        SELECT metadata->>'fallback_reason' AS reason
        FROM call_log
        WHERE call_started_at >= ${since}::timestamptz AND call_started_at < ${until}::timestamptz
          AND metadata->>'voice_source' IS NOT NULL
      )
      SELECT reason, count(*)::int AS count, count(*)::float8 / (SELECT count(*) FROM decided) AS rate
      FROM decided
      WHERE reason IS NOT NULL
      GROUP BY reason
      ORDER BY count(*) DESC, reason`,
    prisma.$queryRaw<CloneRow[]>`
      SELECT
        count(*)::int AS attempts,
        count(*) FILTER (WHERE status = 'success')::int AS succeeded,
        count(*) FILTER (WHERE status = 'failed')::int AS failed,
        (avg(api_response_time_ms) FILTER (WHERE status = 'success'))::float8 AS avg,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY api_response_time_ms) FILTER (WHERE status = 'success') AS p95
      FROM voice_clone_log
      WHERE created_at >= ${since}::timestamptz AND created_at < ${until}::timestamptz`,
    // An operator's retry-clone can record more than one ready event for a call; the hand-off
    // follows the last of them. (The seeds' greeting_call_id column holds our call id.)
    prisma.$queryRaw<LatencyRow[]>`
      WITH l AS (
        SELECT EXTRACT(EPOCH FROM (t.transferred_at - r.ready_at))::float8 * 1000 AS ms
        FROM clone_transfer_events t
        JOIN LATERAL (
          SELECT ready_at FROM clone_ready_events
          WHERE greeting_call_id = t.greeting_call_id
          ORDER BY ready_at DESC
          LIMIT 1
        ) r ON true
        WHERE t.transferred_at >= ${since}::timestamptz AND t.transferred_at < ${until}::timestamptz
      )
      SELECT count(*)::int AS count, avg(ms) AS avg, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
      FROM l`,
    prisma.$queryRaw<HoldRow[]>`
      WITH c AS (
        SELECT status, (metadata->>'hold_ms')::float8 AS hold_ms, (metadata->>'dead_air_ms')::float8 AS dead_air_ms
        FROM call_log
        WHERE call_started_at >= ${since}::timestamptz AND call_started_at < ${until}::timestamptz
      )
      SELECT
        count(hold_ms)::int AS calls,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY hold_ms) AS p50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY hold_ms) AS p95,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY dead_air_ms) AS dead_air_p95,
        count(*) FILTER (WHERE status = 'abandoned')::int AS abandoned,
        (count(*) FILTER (WHERE status = 'abandoned'))::float8 / NULLIF(count(*) FILTER (WHERE status IN ('completed', 'abandoned', 'failed')), 0) AS abandonment_rate
      FROM c`,
    prisma.$queryRaw<FailureRow[]>`
      SELECT metadata->>'failure_reason' AS reason, count(*)::int AS count,
        count(*) FILTER (WHERE metadata->'fallback'->>'outcome' = 'routed')::int AS fallback_routed
      FROM call_log
      WHERE call_started_at >= ${since}::timestamptz AND call_started_at < ${until}::timestamptz
        AND status = 'failed' AND metadata->>'failure_reason' IS NOT NULL
      GROUP BY 1
      ORDER BY count(*) DESC, 1`,
  ]);
  if (!calls || !clones || !latency || !hold) throw new Error('Aggregate query returned no row');

  return {
    window: { since: since.toISOString(), until: until.toISOString() },
    calls: { total: calls.total, completed: calls.completed, failed: calls.failed, abandoned: calls.abandoned, cancelled: calls.cancelled, in_progress: calls.in_progress },
    hold: {
      calls: hold.calls,
      p50_ms: hold.p50,
      p95_ms: hold.p95,
      abandoned_during_hold: hold.abandoned,
      abandonment_rate: hold.abandonment_rate,
      dead_air_p95_ms: hold.dead_air_p95,
    },
    handoff_failures: failures,
    voice: { decided_calls: calls.decided, cache: calls.cache, clone: calls.clone, default: calls.default, cache_hit_rate: calls.cache_hit_rate },
    fallback: {
      total: calls.fallback_total,
      rate: calls.fallback_rate,
      by_reason: fallbacks.map(({ reason, count, rate }) => ({ reason, count, rate })),
    },
    clone_time_ms: { attempts: clones.attempts, succeeded: clones.succeeded, failed: clones.failed, avg: clones.avg, p95: clones.p95 },
    clone_ready_to_transfer_ms: { count: latency.count, avg: latency.avg, p95: latency.p95 },
  };
}
