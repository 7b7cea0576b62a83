#!/usr/bin/env node
// Gives tests/api/openapi-fuzz.test.ts its fuzzer: Schemathesis from PyPI, pinned, in a virtualenv in
// the git-ignored .tools/schemathesis/ (nothing to do when `schemathesis` is already on PATH).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '4.32.5';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const venv = join(root, '.tools', 'schemathesis');
const binary = join(venv, 'bin', 'schemathesis');

function onPath(name) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const existing = onPath('schemathesis') ?? (existsSync(binary) ? binary : undefined);
if (existing) {
  console.log(`  schemathesis: ${existing}`);
} else {
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new Error('python3 is needed to install Schemathesis from PyPI');
  execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${VERSION}`], { stdio: 'inherit' });
  console.log(`  schemathesis: ${binary} (from PyPI schemathesis==${VERSION})`);
}
