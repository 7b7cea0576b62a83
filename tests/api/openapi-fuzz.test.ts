import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestStack, TEST_3CX_SECRET, TEST_ELEVENLABS_WEBHOOK_SECRET, TEST_INIT_WEBHOOK_SECRET, type TestStack } from '../support/stack';
import { incomingCall, post3cx } from '../support/threecx';
import { findSchemathesis, INSTALL_HINT, runSchemathesis } from './fuzz/schemathesis';

// Schemathesis drives the live API from its own /openapi.json: every operation, examples, boundary
// values and random valid and invalid requests, with the admin token and signed webhooks. Any 5xx,
// any status the document does not list, any answer that does not match its schema, any valid
// request refused or invalid one accepted, and any undeclared method not answered 405 + Allow fails.

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
/** Fixed, so a failure reproduces; FUZZ_SEED picks another. */
const SEED = process.env.FUZZ_SEED ?? '20260101';
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '8';
const FUZZ_TIMEOUT_MS = 150_000;

let stack: TestStack;
let workDir: string;
beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_API_TOKEN: ADMIN_TOKEN }, gateway: false });
  // The document's examples name a live call and a registered caller, so those requests reach them.
  const started = await post3cx(stack.apiUrl, incomingCall({ call_id: '1264', pbx: 'acme.3cx.eu' }));
  expect(started.json).toMatchObject({ status: 'accepted', workflow_id: 'call-acme.3cx.eu-1264' });
  await stack.registerVoiceSample('+4915112345678');
  workDir = mkdtempSync(path.join(tmpdir(), 'openapi-fuzz-'));
});
afterAll(async () => {
  await stack?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the API does what /openapi.json says, for a few hundred generated requests', async () => {
  const binary = findSchemathesis();
  if (!binary) throw new Error(`Schemathesis is not installed: ${INSTALL_HINT}`);
  const run = await runSchemathesis(
    binary,
    [`${stack.apiUrl}/openapi.json`, '--seed', SEED, '--max-examples', MAX_EXAMPLES, '--phases', 'examples,coverage,fuzzing'],
    {
      FUZZ_ADMIN_TOKEN: ADMIN_TOKEN,
      FUZZ_INIT_WEBHOOK_SECRET: TEST_INIT_WEBHOOK_SECRET,
      FUZZ_3CX_SECRET: TEST_3CX_SECRET,
      FUZZ_ELEVENLABS_SECRET: TEST_ELEVENLABS_WEBHOOK_SECRET,
    },
    workDir,
    FUZZ_TIMEOUT_MS,
  );
  expect({ failures: run.failures, exitCode: run.exitCode, report: run.report }).toEqual({ failures: [], exitCode: 0, report: '' });
  expect(run.cases).toBeGreaterThan(200);
}, 180_000);
