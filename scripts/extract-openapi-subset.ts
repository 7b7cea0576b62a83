/**
 * Cuts the ElevenLabs OpenAPI document down to what this project calls, so the contract tests run
 * from a file in the repository:
 *
 *   npx tsx scripts/extract-openapi-subset.ts <path-to-full-openapi.json>
 *
 * Keeps the operations below, every component schema they reference (transitively), and the extra
 * schemas the tests validate against directly; writes tests/fixtures/elevenlabs/openapi-subset.json.
 * SOURCE describes where the full document came from: update it when extracting from a newer one.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SOURCE = {
  repo: 'elevenlabs/elevenlabs-docs',
  path: 'fern/apis/api/openapi.json',
  commit: '3557f0b1bec8ec0233e48d03cc496f03c4396dcb',
  commitDate: '2025-08-25',
  upstream: 'https://api.elevenlabs.io/openapi.json',
};

const OPERATIONS: Record<string, string[]> = {
  '/v1/voices/add': ['post'],
  '/v1/voices': ['get'],
  '/v1/voices/{voice_id}': ['get', 'delete'],
  '/v1/user/subscription': ['get'],
  '/v1/text-to-speech/{voice_id}': ['post'],
  '/v1/text-to-speech/{voice_id}/stream': ['post'],
  '/v1/convai/agents/{agent_id}': ['get'],
  '/v1/convai/conversation/get-signed-url': ['get'],
  '/v1/convai/conversations': ['get'],
  '/v1/convai/conversations/{conversation_id}': ['get'],
};

/** Validated directly: the conversation-initiation message (webhook answer, socket opener) and post-call data. */
const EXTRA_SCHEMAS = ['ConversationInitiationClientDataRequest-Input', 'GetConversationResponseModel'];

const OUTPUT = path.resolve(__dirname, '../tests/fixtures/elevenlabs/openapi-subset.json');
const SCHEMA_REF = /^#\/components\/schemas\/(.+)$/;

interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

function referencedSchemas(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) referencedSchemas(item, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const name = key === '$ref' && typeof child === 'string' ? SCHEMA_REF.exec(child)?.[1] : undefined;
    if (name !== undefined) found.add(name);
    else referencedSchemas(child, found);
  }
}

function extract(doc: OpenApiDocument): Pick<OpenApiDocument, 'paths' | 'components'> {
  const paths: OpenApiDocument['paths'] = {};
  for (const [template, methods] of Object.entries(OPERATIONS)) {
    const item = doc.paths[template];
    if (item === undefined) throw new Error(`path ${template} is not in the document`);
    paths[template] = {};
    for (const method of methods) {
      if (item[method] === undefined) throw new Error(`${method.toUpperCase()} ${template} is not in the document`);
      paths[template][method] = item[method];
    }
  }

  const wanted = new Set<string>(EXTRA_SCHEMAS);
  referencedSchemas(paths, wanted);
  const done = new Set<string>();
  while (done.size < wanted.size) {
    for (const name of [...wanted]) {
      if (done.has(name)) continue;
      const schema = doc.components.schemas[name];
      if (schema === undefined) throw new Error(`schema ${name} is referenced but not defined`);
      referencedSchemas(schema, wanted);
      done.add(name);
    }
  }
  // The full document's order, so a re-extraction diffs cleanly.
  const schemas = Object.fromEntries(Object.entries(doc.components.schemas).filter(([name]) => wanted.has(name)));
  return { paths, components: { schemas } };
}

function main(): void {
  const input = process.argv[2];
  if (input === undefined) {
    process.stderr.write('usage: npx tsx scripts/extract-openapi-subset.ts <path-to-full-openapi.json>\n');
    process.exitCode = 2;
    return;
  }
  const bytes = readFileSync(input);
  const doc = JSON.parse(bytes.toString('utf8')) as OpenApiDocument;
  const { paths, components } = extract(doc);
  const subset = {
    'x-subset-of': {
      ...SOURCE,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      extractedOn: new Date().toISOString().slice(0, 10),
      by: 'scripts/extract-openapi-subset.ts',
    },
    openapi: doc.openapi,
    info: doc.info,
    paths,
    components,
  };
  writeFileSync(OUTPUT, `${JSON.stringify(subset, null, 2)}\n`);
  process.stdout.write(`${Object.keys(paths).length} paths, ${Object.keys(components.schemas).length} schemas → ${path.relative(process.cwd(), OUTPUT)}\n`);
}

main();
