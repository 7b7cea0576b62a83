import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Admin connection to the test PostgreSQL server (databases are created and dropped through it). */
export const TEST_ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Per run, so concurrent test runs against one server never share (or drop) each other's template. */
export function templateDatabase(): string {
  process.env.VOICECLONE_TEST_TEMPLATE_DB ??= `voiceclone_test_template_${process.pid}`;
  return process.env.VOICECLONE_TEST_TEMPLATE_DB;
}
export const TEST_DATA_DIR = path.join(REPO_ROOT, '.data', 'test');
export function workflowBundlePath(): string {
  return path.join(TEST_DATA_DIR, `workflow-bundle-${templateDatabase()}.js`);
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
