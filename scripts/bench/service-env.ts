import { randomBytes } from 'node:crypto';
import type { BenchOptions } from './options';
import { BENCH_AGENT, DEFAULT_VOICE, SIP_NUMBERS, SIP_PREFIX, type Simulators } from './simulators';


export interface ServiceEnvInput {
  runId: string;
  databaseUrl: string;
  temporalAddress: string;
  sims: Simulators;
  samplesDir: string;
  /** host:port of the gateway's /health and /metrics, or '' for none. */
  gatewayHttpBind: string;
  apiPort: number;
}

/**
 * The environment the worker, the API and the gateway run with — the same for the in-process and
 * the separate layout. The service's defaults everywhere, except: the simulators as ElevenLabs and
 * 3CX, a default voice the ear tells apart from the greeting, consent required (as in production;
 * the bench records it), the run's own task queue, and the command line's service settings.
 */
export function serviceEnv(options: BenchOptions, input: ServiceEnvInput): Record<string, string> {
  const { sims } = input;
  return {
    ENVIRONMENT: 'staging',
    HOST: '127.0.0.1',
    PORT: String(input.apiPort),
    LOG_LEVEL: options.logLevel,
    DATABASE_URL: input.databaseUrl,
    ...(options.dbPoolSize ? { DATABASE_POOL_SIZE: String(options.dbPoolSize) } : {}),
    TEMPORAL_ADDRESS: input.temporalAddress,
    TEMPORAL_NAMESPACE: options.temporalNamespace,
    // Its own queue: a worker of another deployment on the same server never takes these calls.
    TEMPORAL_TASK_QUEUE: `bench-${input.runId}`,
    WORKER_METRICS_BIND: '',
    ELEVENLABS_API_KEY: sims.sandbox.apiKey,
    ELEVENLABS_API_BASE: sims.sandbox.url,
    ELEVENLABS_AGENT_ID: BENCH_AGENT,
    ELEVENLABS_WEBHOOK_SECRET: sims.webhookSecret,
    ELEVENLABS_INIT_WEBHOOK_SECRET: sims.initWebhookSecret,
    ELEVENLABS_SIP_NUMBERS: SIP_NUMBERS.join(','),
    THREECX_URL: sims.pbx.url,
    THREECX_CLIENT_ID: sims.pbx.clientId,
    THREECX_CLIENT_SECRET: sims.pbx.clientSecret,
    // Call workflow ids hold the PBX name and the simulator's call ids, which restart at every run:
    // a name of its own keeps runs on one attached Temporal server apart.
    THREECX_PBX: `bench-${input.runId.replace(/[^0-9a-z]/gi, '').toLowerCase().slice(-12)}.pbx.local`,
    THREECX_SIP_ROUTE_PREFIX: SIP_PREFIX,
    THREECX_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    ...(options.playbackLeadMs ? { THREECX_PLAYBACK_LEAD_MS: String(options.playbackLeadMs) } : {}),
    GATEWAY_HTTP_BIND: input.gatewayHttpBind,
    HANDOFF_MODE: options.handoff,
    DEFAULT_VOICE_ID: DEFAULT_VOICE,
    REQUIRE_CLONE_CONSENT: 'true',
    ADMIN_API_TOKEN: randomBytes(24).toString('hex'),
    LOCAL_VOICE_SAMPLES_PATH: input.samplesDir,
    ...(options.cloneMaxWaitSeconds ? { CLONE_MAX_WAIT_SECONDS: String(options.cloneMaxWaitSeconds) } : {}),
  };
}
