import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres';
import type { BenchOptions } from './options';
import { freePort } from './server-metrics';
import type { Teardown } from './teardown';

async function withAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new PgClient({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** DATABASE_URL as it is; a fresh database on the admin URL's server (dropped at the end); or PGlite as `npm start` runs it. */
export async function prepareBenchDatabase(options: BenchOptions, runId: string, scratch: string, teardown: Teardown): Promise<{ url: string; description: string }> {
  if (options.databaseUrl) return { url: options.databaseUrl, description: 'attached: DATABASE_URL' };
  if (options.database === 'embedded') {
    const pg = await startEmbeddedPostgres(path.join(scratch, 'pglite'), await freePort());
    teardown.add('stop embedded PostgreSQL', () => pg.stop());
    return { url: pg.url, description: 'embedded PGlite in this process (as npm start)' };
  }
  const name = `voiceclone_bench_${runId.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(-12)}_${randomBytes(3).toString('hex')}`;
  await withAdmin(options.adminDatabaseUrl, `CREATE DATABASE "${name}"`);
  teardown.add(`drop database ${name}`, () => withAdmin(options.adminDatabaseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const url = new URL(options.adminDatabaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), description: `fresh database ${name} on ${url.host}` };
}
