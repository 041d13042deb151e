// GET /metrics on the API's own port, for an admin key only (Authorization: Bearer <admin key>):
// Prometheus sends it with `authorization: { credentials_file: … }`. The figures say how much
// business is done, which partners must not see, and one port keeps the deployment simple.
import type { Express } from 'express';
import { GraphQLError } from 'graphql';
import type { Registry } from 'prom-client';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Principal } from '../services/principal';
import { RETRY_AFTER_SECONDS } from './unavailable';

type Authenticate = (header: string | undefined, ip: string) => Promise<Principal | null>;

export function mountMetrics(app: Express, registry: Registry, authenticate: Authenticate): void {
  app.get('/metrics', async (req, res) => {
    try {
      const principal = await authenticate(req.headers.authorization, req.socket.remoteAddress ?? '');
      if (!principal) return res.status(401).json({ error: 'Send an admin API key: Authorization: Bearer <key>.' });
      if (principal.role !== 'ADMIN') return res.status(403).json({ error: 'Only an admin key may read the metrics.' });
      res.type(registry.contentType).send(await registry.metrics());
    } catch (e) {
      if (isDatabaseUnavailable(e)) return res.status(503).setHeader('Retry-After', String(RETRY_AFTER_SECONDS)).json({ error: 'database unavailable' });
      if (e instanceof GraphQLError) return res.status(e.extensions.code === 'RATE_LIMITED' ? 429 : 401).json({ error: e.message, code: e.extensions.code });
      throw e;
    }
  });
}
