// The Prisma CLI is installed as `prisma-cli` (see scripts/prisma-generate.mjs).
import { defineConfig } from 'prisma-cli/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/voiceclone' },
});
