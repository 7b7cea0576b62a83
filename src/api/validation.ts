import type { z } from 'zod';
import { HttpError } from './errors';

/** Parses with a zod schema; on failure a 400 naming the first bad field and listing all of them. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  const first = details[0]!;
  throw new HttpError(400, 'validation_failed', `Invalid ${what}: ${first.field}: ${first.message}`, details);
}

export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
  }
}
