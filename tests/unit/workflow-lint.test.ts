import path from 'node:path';
import { REPO_ROOT } from '../support/env';

// The project's ESLint configuration keeps I/O out of deterministic workflow code.
async function lintAs(file: string, code: string): Promise<string[]> {
  const { ESLint } = await import('eslint');
  const tseslint = (await import('typescript-eslint')).default;
  const eslint = new ESLint({
    cwd: REPO_ROOT,
    // Type information is irrelevant to import rules and unavailable for a file that is not on disk.
    overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('ESLint guards src/workflows/**', () => {
  test.each([
    ["import { readFileSync } from 'fs';", /Node built-ins/],
    ["import { readFileSync } from 'node:fs';", /Node built-ins/],
    ["import { randomUUID } from 'crypto';", /Node built-ins/],
    ["import { PrismaClient } from '@prisma/client';", /No database or network/],
    ["import { PrismaClient } from '../generated/prisma/client';", /No database or network/],
    ["import { request } from 'undici';", /No database or network/],
    ["import { createActivities } from '../activities';", /only types/],
    ["import { callLogActivities } from '../activities/call-log';", /only types/],
    ["import { ElevenLabsClient } from '../integrations/elevenlabs/client';", /only types/],
  ])('%s is refused in a workflow', async (line, reason) => {
    const messages = await lintAs('src/workflows/probe.ts', `${line}\nexport const x = 1;\n`);
    expect(messages).toEqual([expect.stringMatching(reason)]);
  });

  test('type-only imports of activities and the SDK are allowed', async () => {
    const code = "import type { Activities } from '../activities';\nimport { proxyActivities } from '@temporalio/workflow';\nexport const p = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });\n";
    expect(await lintAs('src/workflows/probe.ts', code)).toEqual([]);
  });

  test('the same imports are fine outside workflows', async () => {
    expect(await lintAs('src/activities/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual([]);
  });
});
