import { Ajv2020 } from 'ajv/dist/2020';
import fc from 'fast-check';
import { z } from 'zod';
import { forbidNul, requestStringOverride } from '../../src/api/openapi/string-rules';
import { parseOrThrow } from '../../src/api/validation';

// The document's string rules must accept exactly what the routes accept: zod's trim and length
// checks plus parseOrThrow's NUL rule, against the pattern the document shows for them.

const ajv = new Ajv2020({ strict: false });

function documented(schema: z.ZodType): (value: unknown) => boolean {
  const json = z.toJSONSchema(schema, { io: 'input', override: requestStringOverride(true) }) as Record<string, unknown>;
  forbidNul(json);
  return ajv.compile(json);
}

function accepted(schema: z.ZodType, value: unknown): boolean {
  try {
    parseOrThrow(schema, value, 'value');
    return true;
  } catch {
    return false;
  }
}

const tricky = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '\t', '\n', '\u00a0', '\u2003', '\ufeff', '\u0000', '\u001c', '\u0085', '\u200b', '😀'), maxLength: 12 });

test.each([
  ['trimmed 1..5', z.string().trim().min(1).max(5)],
  ['trimmed 3..8', z.string().trim().min(3).max(8)],
  ['trimmed up to 4', z.string().trim().max(4)],
  ['trimmed, at least 2', z.string().trim().min(2)],
  ['trimmed, exactly 1', z.string().trim().min(1).max(1)],
  ['plain 0..6', z.string().max(6)],
])('%s: the document’s pattern accepts exactly what the route accepts', (_name, schema) => {
  const check = documented(schema);
  fc.assert(
    fc.property(tricky, (value) => {
      expect(check(value)).toBe(accepted(schema, value));
    }),
    { numRuns: 2000 },
  );
});
