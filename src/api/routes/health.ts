import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../db/prisma';
import type { Logger } from '../../logger';

/** What GET /health needs of ElevenLabs; ElevenLabsClient is one. */
export interface ElevenLabsHealthCheck {
  healthCheck(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
}

export interface HealthDeps {
  temporal: Client;
  prisma: PrismaClient;
  elevenlabs?: ElevenLabsHealthCheck;
  /** Where a failed check's own error goes (the public answer names only a generic reason). */
  log?: Logger;
  /** Per check; the checks run in parallel so the endpoint answers within about this long. */
  checkTimeoutMs?: number;
  /** How long one round of checks answers every request. */
  cacheMs?: number;
}

export interface CheckResult {
  status: 'ok' | 'error' | 'skipped';
  latency_ms?: number;
  error?: string;
}

export type HealthStatus = 'ok' | 'degraded' | 'error';

interface HealthAnswer {
  status: HealthStatus;
  checks: { database: CheckResult; temporal: CheckResult; elevenlabs: CheckResult };
}

/**
 * /health is public. Unbounded, every request would cost a query (the pool has 10 connections), a
 * Temporal call and an ElevenLabs request (rate-limited, and shared with live calls): so one round
 * of checks answers all requests for this long, and requests during a round wait for it.
 */
export const HEALTH_CACHE_MS = 5_000;

// The public answer says only this much about a failure; the error itself is logged.
const UNAVAILABLE = 'unavailable';
const DEPENDENCY_TIMEOUT = 'timeout';
const TIMED_OUT = /timed? ?out/i;

class DeadlineExceeded extends Error {}

async function runCheck(
  name: keyof HealthAnswer['checks'],
  timeoutMs: number,
  log: Logger | undefined,
  probe: (signal: AbortSignal) => Promise<void>,
): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineExceeded(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    await Promise.race([probe(controller.signal), deadline]);
    return { status: 'ok', latency_ms: latency() };
  } catch (err) {
    log?.warn({ check: name, err }, `health check ${name} failed`);
    const message = err instanceof Error ? err.message : String(err);
    const reason = err instanceof DeadlineExceeded ? message : TIMED_OUT.test(message) ? DEPENDENCY_TIMEOUT : UNAVAILABLE;
    return { status: 'error', latency_ms: latency(), error: reason };
  } finally {
    clearTimeout(timer);
  }
}

function findPackageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'voiceclone-precall' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

const VERSION = findPackageVersion();

/**
 * GET /health for probes: PostgreSQL, Temporal and ElevenLabs checked in parallel, each with its
 * own deadline. Without the database or Temporal no call can be taken (`error`, 503); without
 * ElevenLabs calls fall back to defaults (`degraded`, 200).
 */
export function healthRouter({ temporal, prisma, elevenlabs, log, checkTimeoutMs = 800, cacheMs = HEALTH_CACHE_MS }: HealthDeps): Router {
  const router = Router();
  // Clients given their own slightly shorter deadline report a more telling error than ours.
  const clientTimeoutMs = Math.max(1, checkTimeoutMs - 50);

  const checkAll = async (): Promise<HealthAnswer> => {
    const [database, temporalCheck, elevenlabsCheck] = await Promise.all([
      runCheck('database', checkTimeoutMs, log, async () => {
        await prisma.$queryRaw`SELECT 1`;
      }),
      runCheck('temporal', checkTimeoutMs, log, async () => {
        await temporal.withDeadline(Date.now() + clientTimeoutMs, () => temporal.workflowService.getSystemInfo({}));
      }),
      elevenlabs
        ? runCheck('elevenlabs', checkTimeoutMs, log, async (signal) => {
            const result = await elevenlabs.healthCheck({ timeoutMs: clientTimeoutMs, signal });
            if (!result.ok) throw new Error(result.error ?? 'ElevenLabs health check failed');
          })
        : Promise.resolve<CheckResult>({ status: 'skipped' }),
    ]);
    const status: HealthStatus =
      database.status === 'error' || temporalCheck.status === 'error' ? 'error' : elevenlabsCheck.status === 'error' ? 'degraded' : 'ok';
    return { status, checks: { database, temporal: temporalCheck, elevenlabs: elevenlabsCheck } };
  };

  let round: { startedAt: number; answer: Promise<HealthAnswer> } | undefined;
  router.get('/health', async (_req, res) => {
    if (!round || performance.now() - round.startedAt >= cacheMs) round = { startedAt: performance.now(), answer: checkAll() };
    const { status, checks } = await round.answer;
    res
      .status(status === 'error' ? 503 : 200)
      .set('cache-control', 'no-store')
      .json({ status, checks, version: VERSION, uptime_s: Math.floor(process.uptime()) });
  });
  return router;
}
