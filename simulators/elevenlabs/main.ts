/**
 * Standalone sandbox: `tsx simulators/elevenlabs/main.ts --port=8787 --clone-latency=5000-30000`
 * Every flag can also be given as an env var: --clone-latency ⇔ ELEVENLABS_SANDBOX_CLONE_LATENCY.
 * Latencies are `N` or `MIN-MAX` milliseconds. --failures, --agents and --sip-numbers take JSON, e.g.
 * --failures='{"voices.add":{"kind":"429","times":2}}' --sip-numbers='{"+4930123450001":"agent_sandbox"}'.
 * At runtime: see README.md (/_sandbox/* control routes).
 */
import pino from 'pino';
import { startElevenLabsSandbox } from './sandbox';
import type { ElevenLabsSandboxOptions, LatencyRange } from './types';

const log = pino({ name: 'elevenlabs-sandbox' });

function readSetting(name: string): string | undefined {
  const flag = `--${name}=`;
  const fromArgv = process.argv.slice(2).find((a) => a.startsWith(flag));
  if (fromArgv !== undefined) return fromArgv.slice(flag.length);
  return process.env[`ELEVENLABS_SANDBOX_${name.toUpperCase().replace(/-/g, '_')}`];
}

function parseLatency(name: string): LatencyRange | undefined {
  const raw = readSetting(name);
  if (raw === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
  if (m === null) throw new Error(`--${name} must be N or MIN-MAX milliseconds, got ${raw}`);
  return m[2] === undefined ? Number(m[1]) : { min: Number(m[1]), max: Number(m[2]) };
}

function parseIntSetting(name: string): number | undefined {
  const raw = readSetting(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}

function parseJson<T>(name: string): T | undefined {
  const raw = readSetting(name);
  return raw === undefined ? undefined : (JSON.parse(raw) as T);
}

function buildOptions(): ElevenLabsSandboxOptions {
  const initWebhookUrl = readSetting('init-webhook-url');
  return {
    port: parseIntSetting('port') ?? 8787,
    host: readSetting('host') ?? '127.0.0.1',
    apiKey: readSetting('api-key'),
    cloneLatencyMs: parseLatency('clone-latency'),
    apiLatencyMs: parseLatency('api-latency'),
    ttsLatencyMs: parseLatency('tts-latency'),
    agentFirstAudioLatencyMs: parseLatency('agent-first-audio-latency'),
    callDurationMs: parseLatency('call-duration'),
    analysisDurationMs: parseLatency('analysis-duration'),
    voiceLimit: parseIntSetting('voice-limit'),
    webhookUrl: readSetting('webhook-url'),
    webhookSecret: readSetting('webhook-secret'),
    conversationInitWebhook: initWebhookUrl === undefined ? undefined : { url: initWebhookUrl, headers: parseJson('init-webhook-headers') },
    agents: parseJson('agents'),
    sipNumbers: parseJson('sip-numbers'),
    failures: parseJson('failures'),
  };
}

async function main(): Promise<void> {
  const options = buildOptions();
  const sandbox = await startElevenLabsSandbox(options);
  log.info({ url: sandbox.url, apiKey: sandbox.apiKey, webhookUrl: options.webhookUrl ?? null }, 'ElevenLabs sandbox listening');
  const shutdown = (signal: string): void => {
    log.info({ signal }, 'shutting down');
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    log.error({ err: error }, 'sandbox failed to start');
    process.exit(1);
  });
}
