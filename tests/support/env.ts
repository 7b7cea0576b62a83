import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Admin connection to the test PostgreSQL server (databases are created and dropped through it). */
export const TEST_ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEMPLATE_DATABASE = 'voiceclone_test_template';
export const TEST_DATA_DIR = path.join(REPO_ROOT, '.data', 'test');
export const WORKFLOW_BUNDLE_PATH = path.join(TEST_DATA_DIR, 'workflow-bundle.js');

export function databaseUrl(name: string): string {
  const url = new URL(TEST_ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
