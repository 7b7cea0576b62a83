import { createServer, type Server } from 'node:http';
import type { Worker } from '@temporalio/worker';
import type { Config } from '../config';
import type { CallControl } from '../integrations/threecx/call-control';
import type { GatewayMetrics } from './metrics';
import type { Prompts } from './media/prompts';
import type { RoutePoint } from './route-point';

export interface GatewayHealthDeps {
  callControl: CallControl;
  routePoint: RoutePoint;
  worker: Worker;
  prompts: Prompts;
  config: Config;
  metrics: GatewayMetrics;
}

type Level = 'ok' | 'degraded' | 'error';

/**
 * What a probe needs to know: the event socket (no socket: no new calls are seen — error), the
 * Temporal worker (not polling: calls hold forever — error), the greeting (not rendered: callers
 * start with music — degraded). No internal error texts: the endpoint may be reachable by others.
 */
export function gatewayHealth({ callControl, routePoint, worker, prompts, config }: GatewayHealthDeps): { status: Level; checks: Record<string, Level>; live_calls: number } {
  const checks: Record<string, Level> = {
    threecx_events: callControl.events.isConnected ? 'ok' : 'error',
    temporal_worker: worker.getState() === 'RUNNING' ? 'ok' : 'error',
    greeting: prompts.peek({ voiceId: config.greeting.voiceId, text: config.greeting.message }) ? 'ok' : 'degraded',
  };
  const levels = Object.values(checks);
  const status: Level = levels.includes('error') ? 'error' : levels.includes('degraded') ? 'degraded' : 'ok';
  return { status, checks, live_calls: routePoint.liveSessions };
}

/** `GET /health` and `GET /metrics` of the gateway on GATEWAY_HTTP_BIND. */
export async function startGatewayHttp(bind: string, deps: GatewayHealthDeps): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      const health = gatewayHealth(deps);
      res.writeHead(health.status === 'error' ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(health));
    } else if (req.method === 'GET' && path === '/metrics') {
      deps.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'GET /health or /metrics' } }));
  });
  const separator = bind.lastIndexOf(':');
  const host = bind.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(bind.slice(separator + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}` };
}
