import { createPrismaClient, STATEMENT_TIMEOUT_MS, type PrismaClient } from '../../src/db/prisma';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
const clients: PrismaClient[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const client of clients) await client.$disconnect();
  await db?.drop();
});

function client(statementTimeoutMs?: number): PrismaClient {
  const prisma = createPrismaClient(db.url, 1, statementTimeoutMs);
  clients.push(prisma);
  return prisma;
}

test('every pooled connection runs with a 15 s statement timeout', async () => {
  expect(STATEMENT_TIMEOUT_MS).toBe(15_000);
  const rows = await client().$queryRaw<{ statement_timeout: string }[]>`SHOW statement_timeout`;
  expect(rows).toEqual([{ statement_timeout: '15s' }]);
});

test('a statement running longer than the timeout fails, and the connection serves the next query', async () => {
  const prisma = client(300);
  const started = Date.now();
  await expect(prisma.$queryRaw`SELECT pg_sleep(5)`).rejects.toThrow(/statement timeout/);
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(await prisma.$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
});
