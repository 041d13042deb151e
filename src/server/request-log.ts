// One log line per HTTP request, carrying a request id: the caller's X-Request-Id when it is a
// plain token (a proxy's, to follow a request across both logs), else a new UUID. The id goes back
// in the response's X-Request-Id and on to the GraphQL operation's line (operation-telemetry.ts).
// Probe and scrape requests log at debug: they come every few seconds.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger';

const GIVEN_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Middleware for express or plain node:http (app.ts runs it before either serves the request). */
export function requestLogging(logger: Logger): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    // Taken now: express's routers rewrite req.url while they route.
    const path = (req.url ?? '').split('?', 1)[0];
    res.on('finish', () => {
      const line = { requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) };
      // The path of a download carries its link token: the logger scrubs it (log/logger.ts).
      if (QUIET_PATHS.has(path)) logger.debug(line, 'http request');
      else logger[res.statusCode >= 500 ? 'error' : 'info'](line, `${req.method} ${path} ${res.statusCode}`);
    });
    next();
  };
}
