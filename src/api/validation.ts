import type { z } from 'zod';
import { HttpError } from './errors';

/** Deeper than any body or query the API accepts; bounds the walk below. */
const MAX_NUL_SCAN_DEPTH = 32;

/**
 * The path of the first string containing U+0000 in a parsed value (plain objects and arrays
 * only: files, dates and class instances are not text). PostgreSQL text columns cannot hold NUL,
 * so such a value would pass validation and then fail (500) at the first write, after side effects
 * such as a started workflow or an uploaded sample.
 */
function findNulCharacter(value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth >= MAX_NUL_SCAN_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of (value as unknown[]).entries()) {
      const found = findNulCharacter(item, [...path, i], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = findNulCharacter(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Parses with a zod schema; on failure a 400 naming the first bad field and listing all of them.
 * A string containing a NUL character anywhere in the parsed result is a 400 too.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) {
    const nulAt = findNulCharacter(result.data);
    if (nulAt) {
      const field = nulAt.join('.') || '(body)';
      throw new HttpError(400, 'validation_failed', `Invalid ${what}: ${field}: must not contain NUL characters`, [{ field, message: 'must not contain NUL characters' }]);
    }
    return result.data;
  }
  const details = result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  const first = details[0]!;
  throw new HttpError(400, 'validation_failed', `Invalid ${what}: ${first.field}: ${first.message}`, details);
}

export function parseJsonBody(raw: Buffer, { maxDepth = 64 }: { maxDepth?: number } = {}): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
  }
  // Deep nesting costs every recursive consumer (zod, Prisma, Temporal's converter) stack depth.
  if (jsonDepth(value) > maxDepth) throw new HttpError(400, 'invalid_json', `Request body is nested deeper than ${maxDepth} levels`);
  return value;
}

function jsonDepth(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(value as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return deepest;
}
