import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { buildOpenApiDocument } from '../openapi/build';
import { OPERATIONS } from '../openapi/operations';

export function openApiDocument() {
  return buildOpenApiDocument(OPERATIONS, {
    title: 'VoiceClone Pre-Call API',
    version: '1.0.0',
    description:
      '3CX call webhooks start one Temporal workflow per call; ElevenLabs post-call webhooks complete it; operators inspect and steer calls; admins manage voice samples and the clone cache. Errors are `{error: {code, message, details?}}`.',
  });
}

/** `/openapi.json` and the interactive `/docs`, both from the zod schemas the routes validate with. */
export function docsRouter(): Router {
  const document = openApiDocument();
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', swaggerUi.serve);
  router.get('/docs', swaggerUi.setup(document, { customSiteTitle: 'VoiceClone Pre-Call API' }));
  return router;
}
