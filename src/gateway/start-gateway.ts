import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { gatewayTaskQueue } from '../contracts/gateway';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { createCallControl, type CallControl } from '../integrations/threecx/call-control';
import type { Logger } from '../logger';
import { logStartupChecks } from '../doctor/index';
import { createGatewayActivities } from './activities';
import { startGatewayHttp } from './http';
import { loadHoldMusic } from './media/hold-music';
import { Prompts } from './media/prompts';
import { createGatewayMetrics } from './metrics';
import { RoutePoint } from './route-point';
import { WorkflowLink } from './workflow-link';

/** Below docker-compose's default stop grace period (10 s): a deploy lets running steps finish. */
const SHUTDOWN_GRACE = '8 seconds';
/** The greeting should be ready before the first caller; beyond this the gateway starts without it. */
const GREETING_RENDER_WAIT_MS = 15_000;

export interface GatewayDeps {
  config: Config;
  /** Where 3CX's Call Control API is (the configured PBX, or the simulator under `npm start`). */
  threecx: { url: string; clientId: string; clientSecret: string };
  temporal: Client;
  connection: NativeConnection;
  elevenlabs: ElevenLabsClient;
  /** The ElevenLabs agent that takes the calls (ELEVENLABS_AGENT_ID, or the sandbox's). */
  agentId: string;
  log: Logger;
}

export interface RunningGateway {
  callControl: CallControl;
  routePoint: RoutePoint;
  worker: Worker;
  taskQueue: string;
  http: { server: Server; url: string } | null;
  /** Resolves when the worker stopped (after close() or a signal). */
  done: Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway of one PBX: the only holder of its Call Control token, event socket and audio
 * streams (one live token per client [XT]), and the worker of the task queue on which call
 * workflows ask for anything that touches a call's audio.
 */
export async function startGateway({ config, threecx, temporal, connection, elevenlabs, agentId, log }: GatewayDeps): Promise<RunningGateway> {
  const callControl = createCallControl({ ...threecx, ...connectionSettings(config), logger: log });
  const music = await loadHoldMusic({ file: config.greeting.holdMusicFile, musicEnabled: config.greeting.musicEnabled });
  const prompts = new Prompts(({ voiceId, text }, signal) => elevenlabs.textToSpeech({ voiceId, text, outputFormat: 'pcm_8000', ...(signal ? { signal } : {}) }), log);
  const greeting = prompts.prewarm([{ voiceId: config.greeting.voiceId, text: config.greeting.message }]);
  void prompts.prewarm([config.call.failureMessage, config.call.cancelMessage].map((text) => ({ voiceId: config.greeting.voiceId, text })));
  await Promise.race([greeting, new Promise((resolve) => setTimeout(resolve, GREETING_RENDER_WAIT_MS).unref())]);

  const link = new WorkflowLink(temporal, config, log);
  const live = { sessions: () => 0 };
  const metrics = createGatewayMetrics(callControl, () => live.sessions(), config.threecx.pbx);
  const routePoint = new RoutePoint({ config: withClient(config, threecx.clientId), callControl, prompts, music, link, metrics, log });
  live.sessions = () => routePoint.liveSessions;
  const taskQueue = gatewayTaskQueue(config.temporal.taskQueue, config.threecx.pbx);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    activities: createGatewayActivities({ config: withClient(config, threecx.clientId), callControl, routePoint, prompts, elevenlabs, agentId, link, metrics, log }),
    shutdownGraceTime: SHUTDOWN_GRACE,
  });
  routePoint.start();
  // The same checks as `npm run doctor`, on the gateway's own Call Control (never a second token).
  void logStartupChecks({ config: withClient(config, threecx.clientId), elevenlabs, agentId, threecx, callControl }, log);
  const done = worker.run();
  const http = config.gateway.httpBind ? await startGatewayHttp(config.gateway.httpBind, { callControl, routePoint, worker, prompts, config, metrics }) : null;
  log.info({ taskQueue, pbx: config.threecx.pbx, routePoint: threecx.clientId, http: http?.url }, 'gateway running');
  return {
    callControl,
    routePoint,
    worker,
    taskQueue,
    http,
    done,
    close: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
      routePoint.close();
      await callControl.close();
      if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
    },
  };
}

function connectionSettings(config: Config) {
  const t = config.threecx;
  return { requestTimeoutMs: t.requestTimeoutMs, tokenRefreshSeconds: t.tokenRefreshSeconds, wsPingSeconds: t.wsPingSeconds, reconnectMaxSeconds: t.reconnectMaxSeconds };
}

/** The route point's DN is the API client's Client ID (also under `npm start`, where the simulator chose it). */
function withClient(config: Config, clientId: string): Config {
  return { ...config, threecx: { ...config.threecx, clientId } };
}
