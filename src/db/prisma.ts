import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient };

/**
 * Longest any one statement may run. Without it a query stuck behind a lock or a runaway plan holds
 * its pooled connection for good, and with a 10-connection pool a handful of those stall every
 * activity and webhook. Our queries take milliseconds; 15 s is far above any of them.
 */
export const STATEMENT_TIMEOUT_MS = 15_000;

/** Prisma 7's Rust-free client over node-postgres. One per process. */
export function createPrismaClient(databaseUrl: string, poolSize = 10, statementTimeoutMs = STATEMENT_TIMEOUT_MS): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize, statement_timeout: statementTimeoutMs });
  return new PrismaClient({ adapter });
}
