import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { NO_FILTERS, MIGRATIONS_DIR, openSchemaEngine, SCHEMA_PATH } from './schema-engine';

// `npm run db:migration:new -- <name> [git-ref]`: writes the SQL that takes the database from the
// schema.prisma of <git-ref> (default HEAD, i.e. what the existing migrations build) to the working
// copy's schema.prisma, using Prisma's schema engine offline. The drift test checks the result.
async function main(): Promise<void> {
  const [name, ref = 'HEAD'] = process.argv.slice(2);
  if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error('usage: npm run db:migration:new -- <snake_case_name> [git-ref]');
  const previous = execFileSync('git', ['show', `${ref}:prisma/schema.prisma`], { encoding: 'utf8' });
  // The engine wants a reachable PostgreSQL even for a datamodel-to-datamodel diff; nothing is written.
  const session = await openSchemaEngine(loadConfig().database.url ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  try {
    const { stdout } = await session.engine.diff({
      from: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: previous }] },
      to: { tag: 'schemaDatamodel', files: [session.schema] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    if (!stdout || !stdout.trim() || /^-- This is an empty migration/.test(stdout.trim())) {
      console.log(`schema.prisma does not differ from ${ref}: no migration written.`);
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'migration.sql'), stdout);
    console.log(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
  } finally {
    await session.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
