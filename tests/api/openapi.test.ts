import { request, type IncomingHttpHeaders } from 'node:http';
import type { Express } from 'express';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createApp } from '../../src/api/app';
import { createStorage } from '../../src/bootstrap';
import { createLogger } from '../../src/logger';
import { openApiDocument } from '../../src/api/routes/docs';
import { startTestStack, type TestStack } from '../support/stack';
import { incomingCall } from '../support/threecx';

// The OpenAPI document is generated from the routes' own zod schemas; this keeps it complete.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method + path the Express app serves (mounted routers included). */
function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          for (const path of paths) found.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(found)].sort();
}

function documentedRoutes(doc: ReturnType<typeof openApiDocument>): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

test('every route of the app is in the document, and nothing else', () => {
  const app = createApp({ config: stack.config, temporal: stack.env.client, prisma: stack.db.prisma, log: createLogger('silent'), storage: createStorage(stack.config), elevenlabs: stack.elevenlabs });
  const served = expressRoutes(app).filter((r) => !r.startsWith('GET /docs/'));
  expect(served.length).toBeGreaterThan(15);
  expect(documentedRoutes(openApiDocument())).toEqual(served);
});

test('the document is valid OpenAPI 3.1', async () => {
  const { validate } = await import('@readme/openapi-parser');
  const result = await validate(JSON.parse(JSON.stringify(openApiDocument())) as never);
  expect(result.valid ? [] : result.errors).toEqual([]);
});

test('served at /openapi.json and /docs; its webhook schema accepts a real 3CX body and names the same fields the route checks', async () => {
  const doc = (await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as any;
  expect(doc.openapi).toBe('3.1.0');
  const docs = await fetch(`${stack.apiUrl}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toContain('swagger-ui');

  const schema = doc.paths['/webhook/3cx'].post.requestBody.content['application/json'].schema;
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const check = ajv.compile(schema);
  expect(check(incomingCall())).toBe(true);
  expect(check({ ...incomingCall(), event_type: 'Ringing' })).toBe(false);
  expect(schema.required).toEqual(expect.arrayContaining(['event_type', 'call_id', 'timestamp']));
});

/** node:http, since fetch refuses TRACE. */
function send(method: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.apiUrl}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

test('an undeclared method on a documented path → 405 naming the declared ones in Allow; an unknown path → 404', async () => {
  const cases: [string, string, string][] = [
    ['TRACE', '/health', 'GET, HEAD'],
    ['PUT', '/health/', 'GET, HEAD'],
    ['DELETE', '/webhook/3cx', 'POST'],
    ['GET', '/webhook/elevenlabs/conversation-init', 'POST'],
    ['PATCH', '/api/v1/callers/%2B4915112345678/consent', 'DELETE, GET, HEAD, PUT'],
    ['GET', '/calls/call-acme.3cx.eu-1/cancel', 'POST'],
    ['POST', '/DOCS', 'GET, HEAD'],
  ];
  for (const [method, path, allow] of cases) {
    const res = await send(method, path);
    expect({ method, path, status: res.status, allow: res.headers.allow }).toEqual({ method, path, status: 405, allow });
    expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  }
  const unknown = await fetch(`${stack.apiUrl}/calls/call-acme.3cx.eu-1/transfer-now`, { method: 'POST' });
  expect(unknown.status).toBe(404);
});
