import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveTemporalBinary } from '../../src/temporal/binaries';
import { startTestTemporal } from '../support/temporal';

function fakeBinary(dir: string, name: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, 0o755);
  return file;
}

describe('resolveTemporalBinary', () => {
  const onPath = mkdtempSync(path.join(tmpdir(), 'path-'));
  const tools = mkdtempSync(path.join(tmpdir(), 'tools-'));
  const empty = mkdtempSync(path.join(tmpdir(), 'empty-'));

  test('a binary on PATH comes first', () => {
    const expected = fakeBinary(onPath, 'temporal');
    fakeBinary(tools, 'temporal');
    expect(resolveTemporalBinary('temporal', { searchPath: onPath, toolsDir: tools })).toEqual({ type: 'existing-path', path: expected });
  });

  test('then the one unpacked into .tools/', () => {
    const expected = fakeBinary(tools, 'temporal-test-server');
    expect(resolveTemporalBinary('temporal-test-server', { searchPath: empty, toolsDir: tools })).toEqual({ type: 'existing-path', path: expected });
  });

  test('then the SDK download', () => {
    expect(resolveTemporalBinary('temporal', { searchPath: empty, toolsDir: empty })).toEqual({ type: 'cached-download' });
  });
});

test('a missing server binary fails the run with instructions, never a skip', async () => {
  if (process.env.TEMPORAL_ADDRESS) return; // an existing cluster needs no binary
  await expect(startTestTemporal({ type: 'existing-path', path: '/nonexistent/temporal' })).rejects.toThrow(/npm run temporal:install/);
});
