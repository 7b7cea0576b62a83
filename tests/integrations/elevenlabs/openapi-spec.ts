import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The operations and schemas this project uses, cut from the full spec by scripts/extract-openapi-subset.ts. */
export const SPEC_PATH = path.resolve(__dirname, '../../fixtures/elevenlabs/openapi-subset.json');

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

interface OpenApiDocument {
  'x-subset-of': { repo: string; path: string; commit: string };
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

export interface MatchedOperation {
  template: string;
  method: string;
  operation: OpenApiOperation;
  pathParams: Record<string, string>;
}

const pointerSegment = (s: string): string => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));

/** Loads the spec into Ajv (draft 2020-12, as OpenAPI 3.1 uses) under the id `spec`; $refs resolve inside it. */
export class OpenApiSpec {
  readonly doc: OpenApiDocument;
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  private constructor(doc: OpenApiDocument) {
    this.doc = doc;
    // strict: false lets OpenAPI-only keywords (discriminator, example, x-*, embed) through as annotations.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    for (const format of ['binary', 'txt', 'srt']) this.ajv.addFormat(format, true);
    this.ajv.addSchema(doc, 'spec');
  }

  static load(): OpenApiSpec {
    if (!existsSync(SPEC_PATH)) throw new Error(`ElevenLabs OpenAPI subset not found at ${SPEC_PATH}; run scripts/extract-openapi-subset.ts`);
    const doc = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as OpenApiDocument;
    if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.1')) throw new Error(`expected an OpenAPI 3.1 document, got ${String(doc.openapi)}`);
    return new OpenApiSpec(doc);
  }

  /** Literal paths win over templated ones (/v1/voices/add vs /v1/voices/{voice_id}). */
  findOperation(method: string, requestPath: string): MatchedOperation | undefined {
    const m = method.toLowerCase();
    const candidates: MatchedOperation[] = [];
    for (const [template, item] of Object.entries(this.doc.paths)) {
      const operation = item[m];
      if (operation === undefined) continue;
      const names: string[] = [];
      const regex = new RegExp(
        `^${template
          .split(/(\{[^}]+\})/)
          .map((part) => {
            const param = /^\{([^}]+)\}$/.exec(part);
            if (param) {
              names.push(param[1] ?? '');
              return '([^/]+)';
            }
            return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          })
          .join('')}$`,
      );
      const match = regex.exec(requestPath);
      if (match === null) continue;
      const pathParams = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? '')]));
      candidates.push({ template, method: m, operation, pathParams });
    }
    candidates.sort((a, b) => Object.keys(a.pathParams).length - Object.keys(b.pathParams).length);
    return candidates[0];
  }

  validatorAt(pointer: string[]): ValidateFunction {
    const ref = `spec#/${pointer.map(pointerSegment).join('/')}`;
    let fn = this.cache.get(ref);
    if (fn === undefined) {
      fn = this.ajv.compile({ $ref: ref });
      this.cache.set(ref, fn);
    }
    return fn;
  }

  component(name: string): ValidateFunction {
    return this.validatorAt(['components', 'schemas', name]);
  }

  requestBodyValidator(op: MatchedOperation, contentType: string): ValidateFunction {
    return this.validatorAt(['paths', op.template, op.method, 'requestBody', 'content', contentType, 'schema']);
  }

  responseValidator(op: MatchedOperation, status: number): ValidateFunction | undefined {
    const content = op.operation.responses[String(status)]?.content?.['application/json'];
    if (content === undefined) return undefined;
    return this.validatorAt(['paths', op.template, op.method, 'responses', String(status), 'content', 'application/json', 'schema']);
  }

  parameterValidator(op: MatchedOperation, location: 'query' | 'path', name: string): ValidateFunction | undefined {
    const index = (op.operation.parameters ?? []).findIndex((p) => p.in === location && p.name === name);
    if (index < 0) return undefined;
    return this.validatorAt(['paths', op.template, op.method, 'parameters', String(index), 'schema']);
  }

  /** Resolves a (possibly $ref'd) schema object for structural checks such as property names. */
  resolve(schema: unknown): Record<string, unknown> {
    let current = schema as Record<string, unknown>;
    while (typeof current.$ref === 'string') {
      const name = current.$ref.replace('#/components/schemas/', '');
      const next = this.doc.components.schemas[name];
      if (next === undefined) throw new Error(`unresolvable $ref ${current.$ref}`);
      current = next;
    }
    return current;
  }
}

export function formatErrors(fn: ValidateFunction): string {
  return JSON.stringify(fn.errors ?? [], null, 2);
}
