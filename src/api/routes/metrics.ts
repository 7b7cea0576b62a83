import { Router } from 'express';
import type { Registry } from 'prom-client';

/** GET /metrics: Prometheus text exposition of this app's registry. */
export function metricsRouter(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const text = await registry.metrics();
    res.status(200).set('content-type', registry.contentType).set('cache-control', 'no-store').send(text);
  });
  return router;
}
