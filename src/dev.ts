import path from 'node:path';
import { prepareDatabase, startApi, startGatewayProcess, startWorker, type ElevenLabsTarget } from './bootstrap';
import { loadConfig, type Config } from './config';
import { registerDemoCaller, DEMO_CALLER } from './dev/demo-caller';
import { startEmbeddedElevenLabs, type EmbeddedElevenLabs } from './dev/embedded-elevenlabs';
import { startEmbeddedPostgres } from './dev/embedded-postgres';
import { startEmbeddedTemporal } from './dev/embedded-temporal';
import { DEV_SIP_PREFIX, startEmbeddedThreeCx } from './dev/embedded-threecx';
import { createLogger } from './logger';
import { temporalAuth } from './temporal/connection';
import { installTemporalRuntime } from './temporal/runtime';

// `npm start`: the whole service in one process on embedded defaults. A Temporal dev server with
// its Web UI unless TEMPORAL_ADDRESS is set, an embedded PostgreSQL (PGlite) unless DATABASE_URL is
// set, the ElevenLabs sandbox unless ELEVENLABS_API_KEY is set, the 3CX simulator unless THREECX_URL
// is set; the worker, the API and the gateway. State lives in .data/; Ctrl-C stops everything.

async function main(): Promise<void> {
  let config = loadConfig();
  const log = createLogger(config.logLevel, { process: 'dev' });
  // Keep the console for our banner: the SDK's own INFO lines (bundling, worker state) are noise here.
  installTemporalRuntime({ logLevel: 'WARN', metricsBind: config.temporal.workerMetricsBind, log });
  const dataDir = path.resolve(config.embedded.dataDir);
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    let temporalAddress = config.temporal.address;
    let uiUrl = 'your Temporal cluster’s Web UI';
    if (!temporalAddress) {
      const temporal = await startEmbeddedTemporal(path.join(dataDir, 'temporal'), config.temporal.namespace, config.temporal.uiPort, config.embedded.temporalPort);
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
      uiUrl = temporal.uiUrl;
    }
    let databaseUrl = config.database.url;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres(path.join(dataDir, 'pglite'), config.embedded.postgresPort);
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    let elevenlabs: ElevenLabsTarget;
    let sandbox: EmbeddedElevenLabs | undefined;
    if (config.elevenlabs.apiKey) {
      elevenlabs = { baseUrl: config.elevenlabs.apiBase, apiKey: config.elevenlabs.apiKey, agentId: config.elevenlabs.agentId! };
    } else {
      sandbox = await startEmbeddedElevenLabs(config);
      stops.push(() => sandbox!.sandbox.close());
      elevenlabs = sandbox.target;
      config = withSandbox(config, sandbox);
      log.warn({ sandbox: sandbox.sandbox.url }, 'ELEVENLABS_API_KEY is not set: voices, agents and conversations are SIMULATED by the local ElevenLabs sandbox');
    }
    let threecx = config.threecx.url && config.threecx.clientId && config.threecx.clientSecret ? { url: config.threecx.url, clientId: config.threecx.clientId, clientSecret: config.threecx.clientSecret } : null;
    let simulatorUrl: string | null = null;
    if (!threecx) {
      const pbx = await startEmbeddedThreeCx(config, sandbox?.sandbox);
      stops.push(() => pbx.close());
      threecx = { url: pbx.url, clientId: pbx.clientId, clientSecret: pbx.clientSecret };
      simulatorUrl = pbx.url;
      config = { ...config, threecx: { ...config.threecx, sipRoutePrefix: config.threecx.sipRoutePrefix || DEV_SIP_PREFIX } };
      log.warn({ simulator: pbx.url }, 'THREECX_URL is not set: calls come from the local 3CX Call Control SIMULATOR');
    }

    const resolved = { databaseUrl, temporalAddress, temporalAuth: config.temporal.address ? temporalAuth(config) : undefined, elevenlabs };
    const prisma = await prepareDatabase(databaseUrl, log, config.database.url ? config.database.poolSize : 5);
    stops.push(() => prisma.$disconnect());
    if (sandbox) await registerDemoCaller(prisma, config.storage.localPath);
    const running = await startWorker(config, resolved, prisma, log);
    stops.push(async () => {
      running.worker.shutdown();
      await running.done;
    });
    const api = await startApi(config, resolved, prisma, log);
    stops.push(() => api.close());
    sandbox?.deliverWebhooksTo(api.url);
    const gateway = await startGatewayProcess(config, resolved, threecx, log);
    stops.push(() => gateway.close());
    console.log(banner(config, { api: api.url, ui: uiUrl, temporalAddress, sandbox: sandbox?.sandbox.url ?? null, simulator: simulatorUrl, dataDir }));
  } catch (err) {
    log.error({ err }, 'start-up failed');
    await stopAll(1);
  }
}

/** The sandbox's secrets and numbers become the configuration the API and the workflows use. */
function withSandbox(config: Config, sandbox: EmbeddedElevenLabs): Config {
  return {
    ...config,
    elevenlabs: {
      ...config.elevenlabs,
      webhookSecret: sandbox.webhookSecret,
      initWebhookSecret: sandbox.initWebhookSecret,
      sipNumbers: sandbox.sipNumbers,
      agentId: sandbox.target.agentId,
    },
  };
}

function banner(config: Config, urls: { api: string; ui: string; temporalAddress: string; sandbox: string | null; simulator: string | null; dataDir: string }): string {
  return [
    '',
    'VoiceClone Pre-Call is running.',
    `  API            ${urls.api}`,
    `  API docs       ${urls.api}/docs  (OpenAPI: ${urls.api}/openapi.json)`,
    `  Temporal UI    ${urls.ui}  (namespace ${config.temporal.namespace})`,
    `  Temporal       ${urls.temporalAddress}${config.temporal.address ? '' : ` (embedded dev server, state in ${path.join(urls.dataDir, 'temporal')})`}`,
    `  3CX            ${urls.simulator ? `SIMULATOR at ${urls.simulator} (route point ${config.threecx.clientId ?? '800'})` : config.threecx.url}`,
    `  ElevenLabs     ${urls.sandbox ? `SANDBOX at ${urls.sandbox} (set ELEVENLABS_API_KEY for the real API)` : config.elevenlabs.apiBase}`,
    `  PostgreSQL     ${config.database.url ? 'DATABASE_URL' : `embedded PGlite on 127.0.0.1:${config.embedded.postgresPort} (state in ${path.join(urls.dataDir, 'pglite')})`}`,
    `  Hand-off       ${config.handoff.mode}`,
    '',
    urls.simulator
      ? `Place a simulated call (caller ${DEMO_CALLER} has a voice sample and consent) and hear what the caller heard:\n  npm run call -- ${DEMO_CALLER}`
      : 'Calls come from your PBX: dial a DID assigned to the route point.',
    '',
    'Ctrl-C stops everything.',
  ].join('\n');
}

void main();
