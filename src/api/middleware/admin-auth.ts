import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors';

/**
 * Bearer `ADMIN_API_TOKEN` for operator and admin routes. Without a configured token (development
 * only: configuration refuses that in production) the routes are open.
 */
export function requireAdminToken(token: string | undefined): RequestHandler {
  const expected = token ? Buffer.from(token) : undefined;
  return (req, _res, next) => {
    if (!expected) return next();
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const given = match ? Buffer.from(match[1]!.trim()) : undefined;
    if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return next(new HttpError(401, 'unauthorized', 'Missing or invalid bearer token'));
    }
    next();
  };
}
