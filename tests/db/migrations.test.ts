import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { migrateDatabase } from '../../src/db/migrate';
import { MIGRATIONS_DIR, schemaToSql } from '../../src/db/schema-engine';
import { catalogSnapshot } from '../support/catalog';
import { createDatabase, dropDatabase } from '../support/db';

const created: string[] = [];
async function emptyDatabase(label: string): Promise<string> {
  const name = `voiceclone_test_${label}_${Math.random().toString(16).slice(2, 8)}`;
  created.push(name);
  return createDatabase(name);
}
afterAll(async () => {
  for (const name of created) await dropDatabase(name);
});

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** What the schema declares, built by Prisma's engine straight from schema.prisma. */
async function declaredSnapshot(schemaContent?: string) {
  const url = await emptyDatabase('declared');
  const sql = await schemaToSql(url, schemaContent);
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(sql);
  await client.end();
  return catalogSnapshot(url);
}

describe('migrations', () => {
  test('migrating an empty database yields exactly what schema.prisma declares (drift guard)', async () => {
    const migrated = await emptyDatabase('migrated');
    await migrateDatabase(migrated);
    const [actual, declared] = await Promise.all([catalogSnapshot(migrated), declaredSnapshot()]);
    expect(actual.tables).toEqual(expect.arrayContaining([
      'call_log',
      'caller_voice_mapping',
      'clone_failed_events',
      'clone_ready_events',
      'clone_transfer_events',
      'voice_clone_cache',
      'voice_clone_log',
    ]));
    expect(actual).toEqual(declared);
  });

  test('the drift guard notices a schema change that has no migration', async () => {
    const schema = await readFile(path.resolve(__dirname, '../../prisma/schema.prisma'), 'utf8');
    const changed = schema.replace('  transcript      String?\n', '  transcript      String?\n  language        String? @db.VarChar(8)\n');
    expect(changed).not.toBe(schema);
    const migrated = await emptyDatabase('migrated2');
    await migrateDatabase(migrated);
    const [actual, declared] = await Promise.all([catalogSnapshot(migrated), declaredSnapshot(changed)]);
    expect(actual).not.toEqual(declared);
    expect(declared.columns).toContain('call_log.language character varying(8)');
  });

  test('records each migration in _prisma_migrations exactly as `prisma migrate deploy` does', async () => {
    const url = await emptyDatabase('bookkeeping');
    const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(await migrateDatabase(url)).toEqual(names);
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null; applied_steps_count: number; logs: string | null }>(
      url,
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs FROM _prisma_migrations ORDER BY migration_name',
    );
    for (const [i, name] of names.entries()) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'));
      expect(rows[i]).toMatchObject({
        migration_name: name,
        checksum: createHash('sha256').update(sql).digest('hex'),
        rolled_back_at: null,
        applied_steps_count: 1,
        logs: null,
      });
      expect(rows[i]!.finished_at).toBeInstanceOf(Date);
    }
    expect(await migrateDatabase(url)).toEqual([]);
  });

  test('concurrent starters apply each migration once (advisory lock)', async () => {
    const url = await emptyDatabase('concurrent');
    const results = await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)]);
    expect(results.flat().length).toBe((await query(url, 'SELECT 1 FROM _prisma_migrations')).length);
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
  });
});
