import { loadConfig } from '../config';
import { migrateDatabase } from './migrate';

// `npm run db:migrate`: apply pending migrations to DATABASE_URL and exit.
async function main(): Promise<void> {
  const { database } = loadConfig();
  if (!database.url) throw new Error('DATABASE_URL is not set: nothing to migrate');
  const applied = await migrateDatabase(database.url);
  console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
