// A worker's own small HTTP server (SYNTHBUS_WORKER_PORT): /healthz (the process lives), /readyz
// (PostgreSQL reachable with every migration applied, and the model bundles loaded and verified;
// 503 with Retry-After and the failing check otherwise, ready again by itself) and /metrics (the
// worker's Prometheus registry). Workers serve nothing else, so a plain node:http server does.
import http from 'node:http';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { knownMigrations, readiness } from '../db/readiness';

const RETRY_AFTER_SECONDS = 5;

export interface ProbeServer {
  /** http://host:port */
  url: string;
  /** The bundle check's verdict: 'ok' once every bundle is loaded and its sha256 verified. */
  setBundleState(verdict: string): void;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, ...headers }).end(body);
}

export async function startProbeServer(opts: { host: string; port: number; ds: DataSource; registry: Registry }): Promise<ProbeServer> {
  const known = knownMigrations();
  let bundle = 'loading';
  const server = http.createServer((req, res) => {
    const route = `${req.method} ${req.url?.split('?')[0]}`;
    const answer = async () => {
      if (route === 'GET /healthz') return send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
      if (route === 'GET /metrics') return send(res, 200, opts.registry.contentType, await opts.registry.metrics());
      if (route === 'GET /readyz') {
        const { checks } = await readiness(opts.ds, known);
        checks.bundle = bundle;
        const ready = Object.values(checks).every((v) => v === 'ok');
        return send(res, ready ? 200 : 503, 'application/json', JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }), ready ? {} : { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
      send(res, 404, 'application/json', JSON.stringify({ error: 'not found: this port serves GET /healthz, /readyz and /metrics' }));
    };
    answer().catch((e: Error) => send(res, 500, 'application/json', JSON.stringify({ error: e.message })));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    setBundleState: (verdict) => (bundle = verdict),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
