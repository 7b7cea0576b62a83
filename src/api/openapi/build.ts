import { z } from 'zod';
import { forbidNul, requestStringOverride } from './string-rules';

// Builds an OpenAPI 3.1 document from operation descriptions whose parameters, bodies and
// responses are the zod schemas the routes validate with (converted by zod's own JSON Schema
// export, the dialect OpenAPI 3.1 uses).

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express form: `/calls/:callId`. */
  path: string;
  /** Further paths served by the same handler. */
  aliases?: string[];
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: keyof typeof SECURITY;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { contentType: string; schema: z.ZodType; description?: string }[];
  /** The route reads its body without parseOrThrow, so a NUL in a string is not refused there. */
  bodyMayHoldNul?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

export const toOpenApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

type Components = Record<string, unknown>;
type Io = { io: 'output' } | { io: 'input'; nulFree: boolean };

/** Schemas named with `.meta({ id })` become shared components, referenced from every use. */
function jsonSchema(schema: z.ZodType, mode: Io, components: Components): Record<string, unknown> {
  const converted = z.toJSONSchema(schema, {
    io: mode.io,
    unrepresentable: 'any',
    ...(mode.io === 'input' ? { override: requestStringOverride(mode.nulFree) } : {}),
  }) as Record<string, unknown>;
  if (mode.io === 'input' && mode.nulFree) forbidNul(converted);
  delete converted.$schema;
  const defs = (converted.$defs ?? {}) as Record<string, unknown>;
  delete converted.$defs;
  const relinked = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
  for (const [id, def] of Object.entries(defs)) {
    components[id] = JSON.parse(JSON.stringify(def).replaceAll('"#/$defs/', '"#/components/schemas/'));
  }
  return relinked;
}

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query', components: Components): unknown[] {
  if (!schema) return [];
  // Every path and query parameter is parsed with parseOrThrow.
  const object = jsonSchema(schema, { io: 'input', nulFree: true }, components) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, { description, example, ...property }]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    ...(typeof description === 'string' ? { description } : {}),
    ...(example !== undefined ? { example } : {}),
    schema: property,
  }));
}

const SECURITY = {
  admin: [{ adminToken: [] }],
  '3cx-signature': [{ threeCxSignature: [] }],
  'elevenlabs-signature': [{ elevenLabsSignature: [] }],
  'init-webhook-token': [{ initWebhookToken: [] }],
  none: [],
} as const;

function operationEntry(op: Operation, alias: number, components: Components) {
  const nulFree = !op.bodyMayHoldNul;
  return {
    operationId: alias === 0 ? op.operationId : `${op.operationId}Alias${alias}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    ...(alias > 0 ? { description: `Alias of \`${op.method.toUpperCase()} ${toOpenApiPath(op.path)}\`.` } : {}),
    security: SECURITY[op.security ?? 'none'],
    parameters: [...parameters(op.params, 'path', components), ...parameters(op.query, 'query', components)],
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              op.body.map((b) => [b.contentType, { schema: jsonSchema(b.schema, { io: 'input', nulFree }, components), ...(b.description ? { description: b.description } : {}) }]),
            ),
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [
        status,
        { description: r.description, ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema, { io: 'output' }, components) } } } : {}) },
      ]),
    ),
  };
}

export function buildOpenApiDocument(operations: Operation[], info: { title: string; version: string; description: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = {};
  for (const op of operations) {
    for (const [alias, path] of [op.path, ...(op.aliases ?? [])].entries()) {
      (paths[toOpenApiPath(path)] ??= {})[op.method] = operationEntry(op, alias, components);
    }
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN (the routes are open when it is not set, which production refuses)' },
        threeCxSignature: { type: 'apiKey', in: 'header', name: 'X-3CX-Signature', description: 'hex HMAC-SHA256 of the raw body with THREECX_WEBHOOK_SECRET, optionally prefixed sha256=' },
        elevenLabsSignature: { type: 'apiKey', in: 'header', name: 'ElevenLabs-Signature', description: 't=<unix seconds>,v0=<hex HMAC-SHA256 of `${t}.${rawBody}`>' },
        initWebhookToken: { type: 'http', scheme: 'bearer', description: 'ELEVENLABS_INIT_WEBHOOK_SECRET, as the header configured for the webhook at ElevenLabs' },
      },
    },
  };
}
