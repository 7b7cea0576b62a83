import type { z } from 'zod';

// Rules zod applies to request strings that its JSON Schema export leaves out, written into the
// schema as patterns so the document accepts exactly what the routes accept.

type JsonSchema = Record<string, unknown>;

/** What String.prototype.trim removes, spelled out: `\s` means other things in other engines. */
const WHITESPACE = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
const NUL = String.raw`\u0000`;
export const NO_NUL_PATTERN = `^[^${NUL}]*$`;

interface StringCheckDef {
  check: string;
  tx?: (value: string) => string;
}

/** Whether a zod string trims its input before its other checks (zod records `.trim()` only as an opaque overwrite). */
function trims(schema: z.core.$ZodType): boolean {
  const checks = (schema._zod.def as { checks?: { _zod: { def: StringCheckDef } }[] }).checks ?? [];
  return checks.some(({ _zod: { def } }) => def.check === 'overwrite' && def.tx?.(' x ') === 'x');
}

/** A string whose trimmed value has `min`..`max` characters, none of them NUL when `nulFree`. */
function trimmedLengthPattern(min: number, max: number | undefined, nulFree: boolean): string {
  const edge = `[^${WHITESPACE}${nulFree ? NUL : ''}]`;
  const inner = nulFree ? `[^${NUL}]` : String.raw`[\s\S]`;
  const space = `[${WHITESPACE}]*`;
  if (max === 0) return `^${space}$`;
  // The trimmed value: one edge character, or two edges around (length - 2) of anything.
  const between = `${inner}{${Math.max(min - 2, 0)},${max === undefined ? '' : max - 2}}`;
  const longer = max === 1 ? '' : min <= 1 ? `(?:${between}${edge})?` : `${between}${edge}`;
  const value = `${edge}${longer}`;
  return `^${space}${min === 0 ? `(?:${value})?` : value}${space}$`;
}

/**
 * `override` for z.toJSONSchema on request schemas: a trimmed string's length limits apply to the
 * trimmed value, so they become a pattern (a trimmed string with its own regex is left alone).
 */
export function requestStringOverride(nulFree: boolean) {
  return ({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void => {
    if (jsonSchema.type !== 'string' || jsonSchema.pattern !== undefined || !trims(zodSchema)) return;
    const min = typeof jsonSchema.minLength === 'number' ? jsonSchema.minLength : 0;
    const max = typeof jsonSchema.maxLength === 'number' ? jsonSchema.maxLength : undefined;
    delete jsonSchema.minLength;
    delete jsonSchema.maxLength;
    jsonSchema.pattern = trimmedLengthPattern(min, max, nulFree);
    const rule = `surrounding whitespace is trimmed; then ${max === undefined ? `at least ${min}` : `${min} to ${max}`} characters`;
    jsonSchema.description = typeof jsonSchema.description === 'string' ? `${jsonSchema.description} (${rule})` : rule;
  };
}

function isFreeText(schema: JsonSchema): boolean {
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
  return types.includes('string') && [schema.pattern, schema.format, schema.contentEncoding, schema.enum, schema.const].every((v) => v === undefined);
}

/**
 * Routes that parse with parseOrThrow refuse a NUL anywhere in a string (validation.ts): every
 * string without a pattern of its own gets one that says so. `not` is left alone: a NUL rule
 * inside it would turn around.
 */
export function forbidNul(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) forbidNul(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as JsonSchema;
  if (isFreeText(schema)) schema.pattern = NO_NUL_PATTERN;
  for (const [key, value] of Object.entries(schema)) if (key !== 'not') forbidNul(value);
}
