import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { PrismaClient } from '../db/prisma';
import type { Logger } from '../logger';
import { errorHandler, HttpError } from './errors';
import { requireAdminToken } from './middleware/admin-auth';
import { callActionsRouter } from './routes/call-actions';
import { cacheRouter } from './routes/cache';
import { callsRouter } from './routes/calls';
import { cloneStatusRouter } from './routes/clone-status';
import { elevenLabsWebhookRouter } from './routes/elevenlabs-webhook';
import { threeCxWebhookRouter } from './routes/threecx-webhook';

export interface AppDeps {
  config: Config;
  temporal: Client;
  prisma: PrismaClient;
  log: Logger;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.threecx.trustedProxies.length > 0 ? deps.config.threecx.trustedProxies : false);

  // Webhooks read their raw body themselves (signatures are over the exact bytes received).
  app.use(threeCxWebhookRouter(deps));
  app.use(elevenLabsWebhookRouter(deps));
  app.use(['/calls', '/callers', '/api'], requireAdminToken(deps.config.adminApiToken));
  app.use(callsRouter(deps));
  app.use(cloneStatusRouter(deps));
  app.use(callActionsRouter(deps));
  app.use(cacheRouter(deps));

  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `No route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}
