import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createPrismaClient, type PrismaClient } from '../../src/db/prisma';
import { databaseUrl, templateDatabase, TEST_ADMIN_DATABASE_URL } from './env';

export async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string, template?: string): Promise<string> {
  await withAdmin(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  });
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export interface TestDatabase {
  name: string;
  url: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

/** A fresh database with every migration applied (copied from the template global setup migrated). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `voiceclone_test_${randomBytes(4).toString('hex')}`;
  const url = await createDatabase(name, templateDatabase());
  const prisma = createPrismaClient(url, 5);
  return {
    name,
    url,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      await dropDatabase(name);
    },
  };
}
