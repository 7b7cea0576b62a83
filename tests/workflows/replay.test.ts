import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../support/calls';
import { workflowBundlePath } from '../support/env';

// Determinism guard: the current workflow code must replay every committed history (recorded from
// real runs with RECORD_HISTORIES=1). A change that breaks one needs `patched()` or a new workflow type.
// Histories of earlier workflow versions stay (v1/, v2/, …): `patched()` must keep replaying them.
const fixtures = readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();

test('there are histories for the cache-hit, clone and fallback paths', () => {
  for (const version of ['v1/', 'v2/', 'v3/', 'v4/', '']) {
    expect(fixtures).toEqual(expect.arrayContaining(['call-cache-hit.json', 'call-clone.json', 'call-clone-timeout.json', 'call-no-sample.json'].map((f) => version + f)));
  }
});

const replay = (history: unknown, id: string) => Worker.runReplayHistory({ workflowBundle: { codePath: workflowBundlePath() } }, history, id);
const load = (file: string): any => JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));

test.each(fixtures)('%s replays without nondeterminism', async (file) => {
  await replay(load(file), file);
});

test('a history the code no longer matches is caught (the guard can fail)', async () => {
  const history = load('v1/call-clone.json');
  const scheduled = history.events.find((e: any) => e.activityTaskScheduledEventAttributes);
  scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
  await expect(replay(history, 'tampered')).rejects.toThrow(/Nondeterminism|TMPRL1100/);
});
