import type { RequestHandler } from 'express';
import { HttpError } from '../errors';
import type { Operation } from './build';

interface KnownPath {
  pattern: RegExp;
  allow: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches a request path the way Express routes it: case-insensitive, one segment per parameter, an optional trailing slash. */
function pathPattern(expressPath: string): RegExp {
  const source = expressPath
    .split(/(:\w+)/)
    .map((part) => (part.startsWith(':') ? '[^/]+' : escapeRegExp(part)))
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

function knownPaths(operations: Operation[]): KnownPath[] {
  const methods = new Map<string, Set<string>>();
  for (const op of operations) {
    for (const path of [op.path, ...(op.aliases ?? [])]) {
      const set = methods.get(path) ?? new Set<string>();
      set.add(op.method.toUpperCase());
      // Express answers HEAD with the GET route.
      if (op.method === 'get') set.add('HEAD');
      methods.set(path, set);
    }
  }
  return [...methods].map(([path, set]) => ({ pattern: pathPattern(path), allow: [...set].sort().join(', ') }));
}

/**
 * After every router: a request for a documented path that no route took used a method the path
 * does not have, so a 405 naming the ones it has (RFC 9110 §15.5.6). Derived from the operations
 * the document is built from, so the answer cannot drift from it.
 */
export function methodNotAllowed(operations: Operation[]): RequestHandler {
  const paths = knownPaths(operations);
  return (req, res, next) => {
    const known = paths.find((p) => p.pattern.test(req.path));
    if (!known || req.method === 'OPTIONS') return next();
    res.setHeader('Allow', known.allow);
    next(new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; allowed: ${known.allow}`));
  };
}
