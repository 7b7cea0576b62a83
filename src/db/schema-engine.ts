import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as Wasm from '@prisma/schema-engine-wasm';

// Prisma's own schema engine, compiled to WebAssembly and driven through the pg driver adapter.
// It is the same engine `prisma migrate deploy` uses, so `_prisma_migrations` is written exactly as
// the CLI writes it, but it needs no native binary download (unreachable offline).

export const PRISMA_DIR = path.resolve(__dirname, '..', '..', 'prisma');
export const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');

type WasmModule = typeof Wasm;
type WasmExports = Record<string, unknown>;
// The ES2023 lib has no WebAssembly typings; this is the one call we need.
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: { exports: WasmExports } }>;
}
let wasmModule: Promise<WasmModule> | undefined;

async function loadWasm(): Promise<WasmModule> {
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  // The package's entry imports the .wasm file as an ES module (bundler style), which Node cannot
  // load; its glue module is plain ESM, so instantiate the wasm ourselves and hand it over.
  const glue = (await import(path.join(dir, 'schema_engine_bg.js'))) as WasmModule & {
    __wbg_set_wasm(exports: WasmExports): void;
  };
  const bytes = await readFile(path.join(dir, 'schema_engine_bg.wasm'));
  const { instance } = await (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly.instantiate(bytes, {
    './schema_engine_bg.js': glue,
  });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  return glue;
}

export interface SchemaEngineSession {
  engine: Wasm.SchemaEngine;
  schema: Wasm.SchemaContainer;
  close(): Promise<void>;
}

export async function openSchemaEngine(databaseUrl: string): Promise<SchemaEngineSession> {
  wasmModule ??= loadWasm();
  const wasm = await wasmModule;
  const content = await readFile(SCHEMA_PATH, 'utf8');
  const schema = { path: SCHEMA_PATH, content };
  // Our own pool, so closing the session really closes its connections (the engine does not).
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  const engine = await wasm.SchemaEngine.new({ datamodels: [[SCHEMA_PATH, content]] }, () => undefined, adapter);
  return {
    engine,
    schema,
    close: async () => {
      engine.free();
      await pool.end();
    },
  };
}

export async function readMigrationList(dir = MIGRATIONS_DIR): Promise<Wasm.MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = await Promise.all(
    entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .map(async (name): Promise<Wasm.MigrationDirectory> => {
        const file = path.join(dir, name, 'migration.sql');
        const content = await readFile(file, 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (err: Error) => ({ tag: 'error' as const, value: err.message }),
        );
        return { path: name, migrationFile: { path: 'migration.sql', content } };
      }),
  );
  const lockPath = path.join(dir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

export const NO_FILTERS: Wasm.SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * The SQL that creates, from nothing, exactly the database `schema.prisma` declares, as Prisma's
 * engine writes it. Needs no database; `content` replaces the schema file's text when given.
 */
export async function schemaToSql(databaseUrl: string, content?: string): Promise<string> {
  const session = await openSchemaEngine(databaseUrl);
  try {
    const files = [{ path: SCHEMA_PATH, content: content ?? session.schema.content }];
    const { stdout } = await session.engine.diff({
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return stdout ?? '';
  } finally {
    await session.close();
  }
}
