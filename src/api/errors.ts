import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logger';

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

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let httpError: HttpError;
    const bodyErr = err as BodyParserError;
    if (err instanceof HttpError) httpError = err;
    else if (bodyErr?.type === 'entity.too.large') {
      httpError = new HttpError(413, 'payload_too_large', `Request body exceeds the limit of ${bodyErr.limit} bytes`);
    } else if (bodyErr?.type === 'entity.parse.failed') {
      httpError = new HttpError(400, 'invalid_json', 'Request body is not valid JSON');
    } else if (typeof bodyErr?.status === 'number' && bodyErr.status >= 400 && bodyErr.status < 500) {
      httpError = new HttpError(bodyErr.status, bodyErr.type ?? 'bad_request', (err as Error).message);
    } else {
      log.error({ err, path: req.path }, 'unhandled error');
      httpError = new HttpError(500, 'internal_error', 'Internal server error');
    }
    res.status(httpError.status).json({
      error: { code: httpError.code, message: httpError.message, ...(httpError.details === undefined ? {} : { details: httpError.details }) },
    });
  };
}
