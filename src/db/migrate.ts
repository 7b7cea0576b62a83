import { NO_FILTERS, openSchemaEngine, readMigrationList } from './schema-engine';

/**
 * Applies pending migrations from prisma/migrations, exactly as `prisma migrate deploy` does:
 * the same engine, the same `_prisma_migrations` bookkeeping and the same PostgreSQL advisory
 * lock, so concurrent starters (several workers, API replicas) apply each migration once.
 */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const session = await openSchemaEngine(databaseUrl);
  try {
    const { appliedMigrationNames } = await session.engine.applyMigrations({
      migrationsList: await readMigrationList(),
      filters: NO_FILTERS,
    });
    return appliedMigrationNames;
  } finally {
    await session.close();
  }
}
