import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runBench, type BenchReport } from '../../scripts/bench';
import { TEST_ADMIN_DATABASE_URL } from '../support/env';

// `npm run bench` on tiny parameters: the whole stack starts, every call completes, nothing is lost
// or duplicated, the report has its shape and is written. No timing assertions: those belong to
// docs/PERFORMANCE.md, not to a shared CI machine.

/** A tiny, fast sandbox: every simulated call ends within a second. */
const tinyCalls = {
  mode: 'steady',
  durationSeconds: 1,
  cloneLatencyMs: 200,
  outboundCallLatencyMs: 20,
  ringDurationMs: 100,
  callDurationMs: 300,
  analysisDurationMs: 50,
  warmupCalls: 1,
  temporalAddress: process.env.TEMPORAL_ADDRESS,
  verbose: false,
} as const;

describe('npm run bench (smoke)', () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-bench-smoke-'));
  let report: BenchReport;

  beforeAll(async () => {
    try {
      // The SDK's runtime is one per process: keep the suites' usual quiet one, not the bench's.
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // installed by an earlier suite
    }
    report = await runBench({
      ...tinyCalls,
      calls: 5,
      rate: 5,
      repeatShare: 0.3,
      internalShare: 0.2,
      sampleShare: 0.7,
      cachedShare: 0.3,
      floorSamples: 5,
      breakdownCalls: 5,
      timeoutSeconds: 60,
      logLevel: 'warn',
      outDir,
      adminDatabaseUrl: TEST_ADMIN_DATABASE_URL,
    });
  }, 90_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('completes every call, with none lost or duplicated', () => {
    const c = report.counts;
    expect(c.sent).toBe(5);
    expect(c.accepted).toBe(5);
    expect(c.rejected).toEqual({});
    expect(c.completed).toBe(5);
    expect(c.failed).toBe(0);
    expect(c.lost).toBe(0);
    expect(c.duplicated).toBe(0);
    expect(c.callersClonedMoreThanOnce).toBe(0);
    expect(Object.values(c.voiceSources).reduce((a, b) => a + b, 0)).toBe(5);
    expect(c.fallbacks).toBe(Object.values(c.fallbacksByReason).reduce((a, b) => a + b, 0));
    expect(report.cleanupProblems).toEqual([]);
  });

  it('reports every figure with its percentiles, the floor and the ratios', () => {
    const summaryShape = { count: expect.any(Number), p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number), max: expect.any(Number), mean: expect.any(Number) };
    for (const figure of ['webhookAck', 'webhookToGreeting', 'receivedToGreeting', 'voiceReadyToAgent', 'endToEnd'] as const) {
      expect(report.latencyMs[figure]).toEqual(summaryShape);
      expect(report.latencyMs[figure].count).toBe(5);
    }
    expect(report.floorMs.bareStart).toEqual({ ...summaryShape, count: 5 });
    expect(report.floorMs.activityRoundTrip).toEqual({ ...summaryShape, count: 5 });
    const ratioShape = { p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) };
    expect(report.ratios).toEqual({ webhookAckToBareStart: ratioShape, webhookToGreetingToStartPlusActivity: ratioShape, voiceReadyToAgentToActivity: ratioShape });
    expect(report.targets.map((t) => t.name)).toEqual(['webhook ack', 'webhook → greeting request', 'clone ready → agent-call request', '300 calls in flight']);
    expect(report.resources.processCpu.totalMs).toBeGreaterThan(0);
    expect(report.resources.peakRssMb).toBeGreaterThan(0);
    expect(report.breakdownMs?.calls).toBe(5);
    expect(report.calls).toHaveLength(5);
  });

  it('writes the report as JSON', () => {
    expect(path.dirname(report.files.json)).toBe(outDir);
    const written = JSON.parse(readFileSync(report.files.json, 'utf8')) as BenchReport;
    expect(written.runId).toBe(report.runId);
    expect(written.counts).toEqual(report.counts);
    expect(existsSync(report.files.serviceLog)).toBe(true);
  });
});

describe('npm run bench -- --processes separate (smoke)', () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-bench-smoke-separate-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('runs src/worker.ts and src/server.ts as processes, completes every call and reports their CPU and memory', async () => {
    const report = await runBench({
      ...tinyCalls,
      calls: 3,
      rate: 3,
      floorSamples: 3,
      breakdownCalls: 0,
      timeoutSeconds: 90,
      logLevel: 'info',
      outDir,
      adminDatabaseUrl: TEST_ADMIN_DATABASE_URL,
      processes: 'separate',
    });
    expect(report.environment.workerAssembly).toMatch(/src\/worker\.ts and src\/server\.ts as two processes/);
    expect(report.counts).toMatchObject({ sent: 3, accepted: 3, completed: 3, failed: 0, lost: 0, duplicated: 0 });
    expect(report.cleanupProblems).toEqual([]);
    expect(report.resources.serviceProcessesCpu?.totalMs).toBeGreaterThan(0);
    expect(report.resources.serviceProcessesPeakRssMb).toBeGreaterThan(50);
    // The service processes' own logs reach the run's log file.
    expect(readFileSync(report.files.serviceLog, 'utf8')).toMatch(/worker polling/);
  }, 150_000);
});
