import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runBench, type BenchOptions, type BenchReport } from '../../scripts/bench';
import { TEST_ADMIN_DATABASE_URL, workflowBundlePath } from '../support/env';
import { startTestTemporal } from '../support/temporal';

// `npm run bench` on tiny parameters, both hand-off modes, on one Temporal server: callers dial
// the simulated PBX, are greeted, held and handed to the sandbox agent; every call completes,
// nothing is lost, duplicated or dropped, and the report has every figure and is written. No
// timing assertions: those belong to docs/PERFORMANCE.md, not to a shared CI machine.
jest.setTimeout(120_000);

/** The counts, and for a failure message what became of each call that did not end normally. */
const outcome = (report: BenchReport) => ({
  counts: report.counts,
  unusual: report.calls
    .filter((c) => c.dropped || c.phase !== 'completed')
    .map((c) => ({ kind: c.callerKind, status: c.workflowStatus, phase: c.phase, error: c.lastError, ended: c.callEndReason, connectedTo: c.connectedTo, conversation: c.terminationReason, handoff: c.handoffStages })),
});

const summaryShape = { count: expect.any(Number), p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number), max: expect.any(Number), mean: expect.any(Number) };

/** A fast sandbox and short calls: each call is the greeting (≈5 s) and a 2.5 s conversation. */
const tiny: Partial<BenchOptions> = {
  conversationMs: 2_500,
  agentLatencyMs: 100,
  cloneLatencyMs: 200,
  ttsLatencyMs: { min: 5, max: 20 },
  apiLatencyMs: { min: 1, max: 5 },
  talkEveryMs: 1_500,
  floorSamples: 3,
  breakdownCalls: 3,
  timeoutSeconds: 90,
  logLevel: 'warn',
  adminDatabaseUrl: TEST_ADMIN_DATABASE_URL,
  workflowBundlePath: workflowBundlePath(),
  verbose: false,
};

let temporal: TestWorkflowEnvironment;
const outDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-bench-smoke-'));
beforeAll(async () => {
  temporal = await startTestTemporal();
});
afterAll(async () => {
  await temporal?.teardown();
  rmSync(outDir, { recursive: true, force: true });
});

describe('npm run bench -- --concurrent 3 (bridge, smoke)', () => {
  let report: BenchReport;
  beforeAll(async () => {
    report = await runBench({
      ...tiny,
      mode: 'concurrent',
      calls: 3,
      rate: 3,
      warmupCalls: 1,
      repeatShare: 0,
      internalShare: 0,
      sampleShare: 1,
      cachedShare: 1,
      temporalAddress: temporal.address,
      outDir,
    });
  });

  it('greets, holds and bridges every caller to the agent in their cached voice, with nothing lost, duplicated or dropped', () => {
    expect(outcome(report)).toMatchObject({ counts: { placed: 3, completed: 3, failed: 0, lost: 0, duplicated: 0, dropped: 0, greetingNotFirst: 0, agentNotHeard: 0 }, unusual: [] });
    expect(report.counts.voiceSources).toEqual({ cache: 3 });
    expect(report.calls.every((c) => c.upsertToGreetingMs !== null && c.agentHeardAt !== null)).toBe(true);
    expect(report.cleanupProblems).toEqual([]);
  });

  it('reports the greeting with its stages and floors, the hand-off, the jitter and the concurrency figures', () => {
    expect(report.latencyMs.upsertToGreeting).toEqual({ ...summaryShape, count: 3 });
    expect(report.latencyMs.voiceReadyToAgent).toEqual({ ...summaryShape, count: 3 });
    for (const stage of ['wsEvent', 'getArrives', 'session', 'playbackCreated', 'firstWrite', 'playbackHeaders', 'postArrives', 'ear']) {
      expect([stage, report.stagesMs.greeting[stage]]).toEqual([stage, { ...summaryShape, count: 3 }]);
    }
    for (const floor of ['bareStart', 'activityRoundTrip', 'remoteActivityRoundTrip', 'upsertToEar', 'upsertGetToEar'] as const) {
      expect([floor, report.floorMs[floor]]).toEqual([floor, { ...summaryShape, count: 3 }]);
    }
    expect(report.jitterMs.frameLateness.count).toBeGreaterThan(0);
    expect(report.warmupGreetingMs).toEqual([expect.any(Number)]);
    expect(report.concurrency).toMatchObject({ calls: 3, peakBridged: expect.any(Number), cpuProcess: 'bench', bridgedCallSeconds: expect.any(Number) });
    expect(report.resources.processes.bench?.cpuMs).toBeGreaterThan(0);
    expect(report.breakdownMs?.calls).toBe(3);
    expect(report.targets.map((t) => t.name)).toContain('caller-side jitter (agent audio)');
  });

  it('writes the report as JSON next to the service log', () => {
    const written = JSON.parse(readFileSync(report.files.json, 'utf8')) as BenchReport;
    expect(written.runId).toBe(report.runId);
    expect(written.counts).toEqual(report.counts);
    expect(existsSync(report.files.serviceLog)).toBe(true);
  });
});

describe('npm run bench -- --handoff sip (smoke)', () => {
  it('routes every caller to the agent’s SIP number and times the conversation-init webhook', async () => {
    const report = await runBench({
      ...tiny,
      handoff: 'sip',
      mode: 'steady',
      calls: 2,
      rate: 2,
      warmupCalls: 0,
      repeatShare: 0,
      internalShare: 0,
      sampleShare: 1,
      cachedShare: 0.5,
      temporalAddress: temporal.address,
      outDir,
    });
    expect(outcome(report)).toMatchObject({ counts: { placed: 2, completed: 2, lost: 0, duplicated: 0, dropped: 0, agentNotHeard: 0 }, unusual: [] });
    expect(report.latencyMs.initWebhook).toEqual({ ...summaryShape, count: 2 });
    expect(report.calls.every((c) => c.connectedTo === 'external' && c.initWebhookOutcome === 'used')).toBe(true);
    expect(report.targets.map((t) => t.name)).toContain('conversation-init webhook');
    expect(report.cleanupProblems).toEqual([]);
  });
});
