import path from 'node:path';
import { prepareDatabase, startApi, startWorker, type ElevenLabsTarget } from './bootstrap';
import { loadConfig } from './config';
import { startEmbeddedElevenLabs } from './dev/embedded-elevenlabs';
import { startEmbeddedPostgres } from './dev/embedded-postgres';
import { startEmbeddedTemporal } from './dev/embedded-temporal';
import { sampleWebhookCurl } from './dev/sample-webhook';
import { createLogger } from './logger';
import { temporalAuth } from './temporal/connection';
import { installTemporalRuntime } from './temporal/runtime';

// `npm start`: the whole service in one process on embedded defaults. A Temporal dev server with
// its Web UI unless TEMPORAL_ADDRESS is set, an embedded PostgreSQL (PGlite) unless DATABASE_URL is
// set, the ElevenLabs sandbox unless ELEVENLABS_API_KEY is set; state lives in .data/ and survives
// restarts. Ctrl-C stops everything.

async function main(): Promise<void> {
  let config = loadConfig();
  // Keep the console for our banner: the SDK's own INFO lines (bundling, worker state) are noise here.
  installTemporalRuntime({ logLevel: 'WARN', metricsBind: config.temporal.workerMetricsBind });
  const log = createLogger(config.logLevel, { process: 'dev' });
  const dataDir = path.resolve(config.embedded.dataDir);
  const pgPort = config.embedded.postgresPort;
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
      const pg = await startEmbeddedPostgres(path.join(dataDir, 'pglite'), pgPort);
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    let elevenlabs: ElevenLabsTarget;
    let sandbox: Awaited<ReturnType<typeof startEmbeddedElevenLabs>> | undefined;
    if (config.elevenlabs.apiKey) {
      const { apiBase, apiKey, agentId, phoneNumberId, telephony } = config.elevenlabs;
      elevenlabs = { baseUrl: apiBase, apiKey, agentId: agentId!, phoneNumberId: phoneNumberId!, telephony };
    } else {
      sandbox = await startEmbeddedElevenLabs(config);
      stops.push(() => sandbox!.sandbox.close());
      elevenlabs = sandbox.target;
      config = { ...config, elevenlabs: { ...config.elevenlabs, webhookSecret: sandbox.webhookSecret } };
      log.warn({ sandbox: sandbox.sandbox.url }, 'ELEVENLABS_API_KEY is not set: calls, clones and post-call webhooks are SIMULATED by the local ElevenLabs sandbox');
    }
    const resolved = { databaseUrl, temporalAddress, temporalAuth: config.temporal.address ? temporalAuth(config) : undefined, elevenlabs };
    const prisma = await prepareDatabase(databaseUrl, log, config.database.url ? config.database.poolSize : 5);
    stops.push(() => prisma.$disconnect());
    const running = await startWorker(config, resolved, prisma, log);
    stops.push(async () => {
      running.worker.shutdown();
      await running.done;
    });
    const api = await startApi(config, resolved, prisma, log);
    stops.push(api.close);
    sandbox?.deliverWebhooksTo(api.url);

    console.log(
      [
        '',
        'VoiceClone Pre-Call is running.',
        `  API            ${api.url}`,
        `  API docs       ${api.url}/docs  (OpenAPI: ${api.url}/openapi.json)`,
        `  Temporal UI    ${uiUrl}  (namespace ${config.temporal.namespace})`,
        `  Temporal       ${temporalAddress}${config.temporal.address ? '' : ` (embedded dev server, state in ${path.join(dataDir, 'temporal')})`}`,
        `  ElevenLabs     ${sandbox ? `SANDBOX at ${sandbox.sandbox.url} (simulated calls; set ELEVENLABS_API_KEY for the real API)` : config.elevenlabs.apiBase}`,
        `  PostgreSQL     ${config.database.url ? 'DATABASE_URL' : `embedded PGlite on 127.0.0.1:${pgPort} (state in ${path.join(dataDir, 'pglite')})`}`,
        '',
        'Send a test call:',
        sampleWebhookCurl(api.url, config.threecx.webhookSecret),
        '',
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
  } catch (err) {
    log.error({ err }, 'start-up failed');
    await stopAll(1);
  }
}

void main();
