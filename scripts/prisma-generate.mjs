#!/usr/bin/env node
// `prisma generate` offline. Generation itself needs no native engine (Prisma 7 parses the schema
// with WebAssembly), but the CLI insists on downloading the schema-engine binary before any
// command, which fails without internet. Prisma's documented PRISMA_SCHEMA_ENGINE_BINARY override
// points it at scripts/schema-engine-unavailable.sh instead; that script is never run by
// `generate`, and tells anyone who reaches it how this project migrates (npm run db:migrate, which
// drives Prisma's schema engine compiled to WebAssembly). A machine that already has the real
// engine (or sets the variable itself) keeps it.
//
// The CLI is the devDependency `prisma-cli` (an npm alias of `prisma`). Installed as `prisma` it
// would satisfy @prisma/client's optional peer dependency, which makes npm count it (and its
// Node-22-only @prisma/streams-local) as production code that `npm prune --omit=dev` keeps.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const enginesDir = join(root, 'node_modules', '@prisma', 'engines');
const hasNativeEngine = existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !hasNativeEngine) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = join(root, 'scripts', 'schema-engine-unavailable.sh');
}
execFileSync(process.execPath, [join(root, 'node_modules', 'prisma-cli', 'build', 'index.js'), 'generate'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
