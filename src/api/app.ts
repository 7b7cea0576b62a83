import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { PrismaClient } from '../db/prisma';
import type { VoiceRemover } from '../db/voice-cache';
import type { VoiceSampleStore } from '../integrations/storage';
import type { Logger } from '../logger';
import { httpMetricsMiddleware } from '../metrics/http';
import { createMetrics, type Metrics } from '../metrics/registry';
import { errorHandler, HttpError } from './errors';
import { requireAdminToken } from './middleware/admin-auth';
import { cors } from './middleware/cors';
import { requestLogging } from './middleware/request-log';
import { methodNotAllowed } from './openapi/allowed-methods';
import { OPERATIONS } from './openapi/operations';
import { callActionsRouter } from './routes/call-actions';
import { cacheRouter } from './routes/cache';
import { callsRouter } from './routes/calls';
import { docsRouter } from './routes/docs';
import { callerCallsRouter } from './routes/caller-calls';
import { callersRouter } from './routes/callers';
import { consentRouter } from './routes/consent';
import { statisticsRouter } from './routes/statistics';
import { cloneStatusRouter } from './routes/clone-status';
import { elevenLabsInitWebhookRouter } from './routes/elevenlabs-init-webhook';
import { elevenLabsWebhookRouter } from './routes/elevenlabs-webhook';
import { healthRouter, type ElevenLabsHealthCheck } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { threeCxWebhookRouter } from './routes/threecx-webhook';

export interface AppDeps {
  config: Config;
  temporal: Client;
  prisma: PrismaClient;
  log: Logger;
  /** Checked by GET /health; consent withdrawal deletes the caller's voices there. */
  elevenlabs: ElevenLabsHealthCheck & VoiceRemover;
  /** This app's metrics; a fresh registry when absent, so several apps in one process never collide. */
  metrics?: Metrics;
  storage: VoiceSampleStore;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.threecx.trustedProxies.length > 0 ? deps.config.threecx.trustedProxies : false);
  const metrics = deps.metrics ?? createMetrics();
  app.use(requestLogging(deps.log));
  app.use(httpMetricsMiddleware(metrics.http));
  app.use(healthRouter(deps));
  app.use(metricsRouter(metrics.registry));
  app.use(docsRouter());

  // Webhooks read their raw body themselves (signatures are over the exact bytes received).
  app.use(threeCxWebhookRouter(deps));
  app.use(elevenLabsWebhookRouter(deps));
  app.use(elevenLabsInitWebhookRouter(deps));
  app.use(['/calls', '/callers', '/api'], cors(deps.config.http.corsOrigins), requireAdminToken(deps.config.adminApiToken));
  app.use(callsRouter(deps));
  app.use(callersRouter(deps));
  app.use(consentRouter(deps));
  app.use(callerCallsRouter(deps));
  app.use(statisticsRouter(deps));
  app.use(cloneStatusRouter(deps));
  app.use(callActionsRouter(deps));
  app.use(cacheRouter(deps));

  app.use(methodNotAllowed(OPERATIONS));
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `No route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}
