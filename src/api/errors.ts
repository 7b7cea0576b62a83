import type { ErrorRequestHandler } from 'express';
import { Prisma } from '../generated/prisma/client';
import { maskPhoneNumbersInText, type Logger } from '../logger';
import { routeLabel } from '../metrics/http';

/** An error with an HTTP status and a stable machine-readable code: `{error: {code, message, details?}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * PostgreSQL refusing a value for what it contains: longer than its column (P2000, SQLSTATE 22001),
 * a NUL character (22021) or a character the encoding cannot hold (22P05). Only request data
 * reaches the API's writes, so this is a bad request (400), never a server fault (500).
 */
const VALUE_REFUSED_SQLSTATES = new Set(['22001', '22021', '22P05']);

function refusedValueCode(err: unknown): string | undefined {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const meta = err.meta as { driverAdapterError?: { cause?: { originalCode?: unknown } } } | undefined;
  const sqlState = meta?.driverAdapterError?.cause?.originalCode;
  if (typeof sqlState === 'string' && VALUE_REFUSED_SQLSTATES.has(sqlState)) return sqlState;
  return err.code === 'P2000' ? err.code : undefined;
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let httpError: HttpError;
    const bodyErr = err as BodyParserError;
    const refused = refusedValueCode(err);
    if (err instanceof HttpError) httpError = err;
    else if (refused) {
      // The route pattern, not the path: a path may hold a caller's number.
      log.warn({ route: routeLabel(req), dbCode: refused }, 'request value refused by the database');
      httpError = new HttpError(400, 'validation_failed', 'A value in the request cannot be stored: it is too long or contains a NUL character');
    } else if (bodyErr?.type === 'entity.too.large') {
      httpError = new HttpError(413, 'payload_too_large', `Request body exceeds the limit of ${bodyErr.limit} bytes`);
    } else if (bodyErr?.type === 'entity.parse.failed') {
      httpError = new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
    } else if (typeof bodyErr?.status === 'number' && bodyErr.status >= 400 && bodyErr.status < 500) {
      httpError = new HttpError(bodyErr.status, bodyErr.type ?? 'bad_request', (err as Error).message);
    } else {
      log.error({ err, path: maskPhoneNumbersInText(decodeURIComponentSafe(req.path)) }, 'unhandled error');
      httpError = new HttpError(500, 'internal_error', 'Internal server error');
    }
    res.status(httpError.status).json({
      error: { code: httpError.code, message: httpError.message, ...(httpError.details === undefined ? {} : { details: httpError.details }) },
    });
  };
}

/** A path as a person reads it (`%2B49…` is a number too); a malformed escape stays as it is. */
function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
