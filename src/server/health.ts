// Probes for process managers and load balancers: /healthz says the process lives; /readyz says
// it can serve now (PostgreSQL answers, and every migration this code knows is applied), and
// answers 503 with Retry-After while it cannot, recovering by itself.
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import { knownMigrations, readiness } from '../db/readiness';
import { RETRY_AFTER_SECONDS } from './unavailable';

export function mountHealth(app: Express, ds: DataSource): void {
  const known = knownMigrations();
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await readiness(ds, known);
    if (!ready) res.status(503).setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.json({ status: ready ? 'ready' : 'not ready', checks });
  });
}
