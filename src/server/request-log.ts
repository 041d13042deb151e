// One log line per HTTP request, carrying a request id: the caller's X-Request-Id when it is a
// plain token (a proxy's, to follow a request across both logs), else a new UUID. The id goes back
// in the response's X-Request-Id and on to the GraphQL operation's line (operation-telemetry.ts).
// Probe and scrape requests log at debug: they come every few seconds.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log/logger';

const GIVEN_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && GIVEN_ID.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      const line = { requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) };
      // The path of a download carries its link token: the logger scrubs it (log/logger.ts).
      if (QUIET_PATHS.has(req.path)) logger.debug(line, 'http request');
      else logger[res.statusCode >= 500 ? 'error' : 'info'](line, `${req.method} ${req.path} ${res.statusCode}`);
    });
    next();
  };
}
