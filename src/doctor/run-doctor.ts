import { performance } from 'node:perf_hooks';
import type { Config } from '../config';
import { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { configChecks } from './config-checks';
import { elevenLabsChecks } from './elevenlabs-checks';
import { sipNumbersConfiguredCheck } from './sip-number-checks';
import { threeCxChecks } from './threecx-checks';
import { type CheckStatus, checksFor, type DoctorCheck, type DoctorDeps, type DoctorReport, type ThreeCxTarget } from './types';

const DEFAULT_EVENT_SOCKET_TIMEOUT_MS = 5000;

/**
 * Checks the ElevenLabs account and agent and the 3CX API client against what the configured
 * hand-off mode needs, with the production clients. Never throws for what it finds: every
 * problem is a check in the report, named with its fix.
 */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const started = performance.now();
  const { config } = deps;
  const ownClient = !deps.elevenlabs && config.elevenlabs.apiKey ? newClient(config, config.elevenlabs.apiKey) : null;
  const client = deps.elevenlabs ?? ownClient;
  const threecx = deps.threecx === false ? null : (deps.threecx ?? configuredThreeCx(config));
  const checks = configChecks(config, { elevenlabs: client !== null, threecx: threecx !== null || deps.callControl !== undefined });
  try {
    const [elevenlabs, pbx] = await Promise.all([
      client ? elevenLabsChecks(client, config, deps.agentId ?? config.elevenlabs.agentId) : Promise.resolve([]),
      deps.threecx === false
        ? Promise.resolve(skippedThreeCx())
        : threeCxChecks({ config, target: threecx, borrowed: deps.callControl, eventSocketTimeoutMs: deps.eventSocketTimeoutMs ?? DEFAULT_EVENT_SOCKET_TIMEOUT_MS }),
    ]);
    if (config.handoff.mode === 'sip') checks.push(sipNumbersConfiguredCheck(config));
    checks.push(...elevenlabs, ...pbx);
  } finally {
    await ownClient?.close();
  }
  return summarize(config.handoff.mode, checks, performance.now() - started);
}

function newClient(config: Config, apiKey: string): ElevenLabsClient {
  // One doctor run makes a handful of requests: no need for the service's 100-connection pools.
  return new ElevenLabsClient({ baseUrl: config.elevenlabs.apiBase, apiKey, requestTimeoutMs: config.elevenlabs.requestTimeoutMs, connections: 4, uploadConnections: 1 });
}

function configuredThreeCx(config: Config): ThreeCxTarget | null {
  const { url, clientId, clientSecret } = config.threecx;
  return url && clientId && clientSecret ? { url, clientId, clientSecret } : null;
}

function skippedThreeCx(): DoctorCheck[] {
  const skipped = checksFor('threecx').skipped;
  const why = 'Not contacted: a new Call Control token would end the audio streams of a gateway running with this API client';
  return ['threecx.token', 'threecx.route-point', 'threecx.event-socket'].map((id) => skipped(id, why));
}

function summarize(mode: Config['handoff']['mode'], checks: DoctorCheck[], durationMs: number): DoctorReport {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skipped: 0 };
  for (const c of checks) counts[c.status] += 1;
  return { mode, checks, counts, ok: counts.fail === 0, durationMs: Math.round(durationMs) };
}
