import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../support/live-call';
import { workflowBundlePath } from '../support/env';

// Determinism guard: the current workflow code must replay every committed history (recorded from
// real end-to-end runs with RECORD_HISTORIES=1). Nothing is released yet, so an intended change to
// a workflow re-records them; once a release exists, keep its histories and use `patched()`.
const fixtures = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('there are histories for every path a call takes', () => {
  expect(fixtures).toEqual(
    expect.arrayContaining([
      'call-bridge-cache-hit.json',
      'call-bridge-clone.json',
      'call-bridge-clone-timeout.json',
      'call-sip-cache-hit.json',
      'call-abandoned-during-hold.json',
      'call-cancelled-during-hold.json',
      'voice-clone.json',
    ]),
  );
});

const replay = (history: unknown, id: string) => Worker.runReplayHistory({ workflowBundle: { codePath: workflowBundlePath() } }, history, id);
const load = (file: string): any => JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));

test.each(fixtures)('%s replays without nondeterminism', async (file) => {
  await replay(load(file), file);
});

test('a history the code no longer matches is caught (the guard can fail)', async () => {
  const history = load('call-bridge-clone.json');
  const scheduled = history.events.find((e: any) => e.activityTaskScheduledEventAttributes);
  scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
  await expect(replay(history, 'tampered')).rejects.toThrow(/Nondeterminism|TMPRL1100/);
});
