import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../db/prisma';
import { redactUrlCredentials } from '../../logger';

/** What GET /health needs of ElevenLabs; ElevenLabsClient is one. */
export interface ElevenLabsHealthCheck {
  healthCheck(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
}

export interface HealthDeps {
  temporal: Client;
  prisma: PrismaClient;
  elevenlabs?: ElevenLabsHealthCheck;
  /** Per check; the checks run in parallel so the endpoint answers within about this long. */
  checkTimeoutMs?: number;
}

export interface CheckResult {
  status: 'ok' | 'error' | 'skipped';
  latency_ms?: number;
  error?: string;
}

export type HealthStatus = 'ok' | 'degraded' | 'error';

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Prisma's messages start with where it was called from and end with what went wrong.
  const lastLine = message.split('\n').filter((line) => line.trim() !== '').pop() ?? 'failed';
  return redactUrlCredentials(lastLine.trim()).slice(0, 300);
}

async function runCheck(timeoutMs: number, probe: (signal: AbortSignal) => Promise<void>): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    await Promise.race([probe(controller.signal), timeout]);
    return { status: 'ok', latency_ms: latency() };
  } catch (err) {
    return { status: 'error', latency_ms: latency(), error: describeError(err) };
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
export function healthRouter({ temporal, prisma, elevenlabs, checkTimeoutMs = 800 }: HealthDeps): Router {
  const router = Router();
  // Clients given their own slightly shorter deadline report a more telling error than ours.
  const clientTimeoutMs = Math.max(1, checkTimeoutMs - 50);
  router.get('/health', async (_req, res) => {
    const [database, temporalCheck, elevenlabsCheck] = await Promise.all([
      runCheck(checkTimeoutMs, async () => {
        await prisma.$queryRaw`SELECT 1`;
      }),
      runCheck(checkTimeoutMs, async () => {
        await temporal.withDeadline(Date.now() + clientTimeoutMs, () => temporal.workflowService.getSystemInfo({}));
      }),
      elevenlabs
        ? runCheck(checkTimeoutMs, async (signal) => {
            const result = await elevenlabs.healthCheck({ timeoutMs: clientTimeoutMs, signal });
            if (!result.ok) throw new Error(result.error ?? 'ElevenLabs health check failed');
          })
        : Promise.resolve<CheckResult>({ status: 'skipped' }),
    ]);
    const status: HealthStatus =
      database.status === 'error' || temporalCheck.status === 'error' ? 'error' : elevenlabsCheck.status === 'error' ? 'degraded' : 'ok';
    res
      .status(status === 'error' ? 503 : 200)
      .set('cache-control', 'no-store')
      .json({
        status,
        checks: { database, temporal: temporalCheck, elevenlabs: elevenlabsCheck },
        version: VERSION,
        uptime_s: Math.floor(process.uptime()),
      });
  });
  return router;
}
