import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logger';
import { captureJsonBody, responseErrorCode, routeLabel, routeParam } from '../../metrics/http';

// Probes and scrapes arrive every few seconds; their lines would drown the calls.
const QUIET_ROUTES = new Set(['/health', '/metrics']);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * One JSON line per request: method, route pattern, status, duration, and the call's `workflowId`
 * when known: from a `:callId` route parameter, or set by a route as `res.locals.workflowId`.
 * `res.locals.log` is a child logger bound to the request id, for routes that want it.
 */
export function requestLogging(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const given = req.header('x-request-id');
    const reqId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', reqId);
    const requestLog = log.child({ reqId });
    res.locals.log = requestLog;
    captureJsonBody(res);
    res.once('close', () => {
      const route = routeLabel(req);
      const status = res.statusCode;
      const fromRoute: unknown = res.locals.workflowId;
      const workflowId = typeof fromRoute === 'string' ? fromRoute : routeParam(route, req.path, 'callId');
      const errorCode = status >= 400 ? responseErrorCode(res.locals.responseBody) : undefined;
      const line = {
        method: req.method,
        route,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(workflowId ? { workflowId } : {}),
        ...(errorCode ? { errorCode } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : QUIET_ROUTES.has(route) ? 'debug' : 'info';
      requestLog[level](line, `${req.method} ${route} ${status}`);
    });
    next();
  };
}
