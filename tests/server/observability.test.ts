/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Metrics, structured logs and the worker's probes, over real HTTP and WebSocket with a real
// worker: a full journey (apply, approve, key, order, follow, download) with every log line
// captured, the API's /metrics (admin key) and the worker's own port scraped before and after.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Config } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createLogger } from '../../src/log/logger';
import { ApiHandle, startApi } from '../../src/server/app';
import { issueKey } from '../../src/services/api-keys';
import { PARTNER_SCOPES } from '../../src/services/principal';
import { createWorkerMetrics } from '../../src/metrics/worker-metrics';
import { startProbeServer } from '../../src/worker/probe-server';
import { WorkerHandle, startWorker } from '../../src/worker/worker';
import { cutDatabase } from '../helpers/db-outage';
import { TestPartner, collectProgress, createApprovedPartner, createDatabase, gql, gqlOk, testConfig } from '../helpers/stack';

const LINK_SECRET = 'link-secret-'.repeat(4);
const PASSPHRASE = 'signing passphrase that must never be logged';

const lines: string[] = [];
const logger = createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(l) } });
let databaseUrl: string;
let dataDir: string;
let config: Config;
let api: ApiHandle;
let adminKey: string;
const workers: WorkerHandle[] = [];

/** The value of one sample in Prometheus text: `name{labels…} value`, all given labels matching. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: string[] = (m[2] ?? '').match(/[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"/g) ?? [];
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

async function scrape(url: string, key?: string): Promise<string> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

const apiMetrics = () => scrape(new URL('/metrics', api.url).href, adminKey);

beforeAll(async () => {
  databaseUrl = await createDatabase();
  await migrate(databaseUrl);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-obs-'));
  config = testConfig(dataDir, { linkSecret: LINK_SECRET, signingKeyPassphrase: PASSPHRASE });
  api = await startApi(config, databaseUrl, logger);
  adminKey = (await issueKey(api.deps.ds, { partnerId: null, name: 'obs admin', scopes: [...PARTNER_SCOPES] })).secret;
  // A first worker announces the model (the API validates orders against it), then leaves, so
  // that the order below waits QUEUED until the second one starts.
  await (await startWorker(config, databaseUrl, logger)).close();
});

afterAll(async () => {
  for (const w of workers) await w.close();
  await api.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('a journey, logged and measured', () => {
  let partner: TestPartner;
  let orderId: string;
  let linkUrl: string;
  let before: string;
  let after: string;
  let during: string;
  let worker: WorkerHandle;

  beforeAll(async () => {
    before = await apiMetrics();
    partner = await createApprovedPartner({ url: api.url, adminKey });
    const { models } = await gqlOk(api.url, `{ models { modelId classes { birads } minSteps } }`);
    const [model] = models;
    // The journey's cohort (tests/e2e/journey.test.ts), known to pass the cohort privacy check.
    const input = { modelId: model.modelId, size: 6, mix: [{ birads: model.classes[0].birads, fraction: 0.5 }, { birads: model.classes[1].birads, fraction: 0.5 }], seed: 1234, steps: model.minSteps };
    orderId = (await gqlOk(api.url, `mutation($i: OrderInput!) { placeOrder(input: $i, idempotencyKey: "obs-1") { id } }`, { i: input }, partner.key)).placeOrder.id;
    // Follow it: once the snapshot arrives the subscription runs; only then may a worker make it.
    let snapshot!: () => void;
    const subscribed = new Promise<void>((resolve) => (snapshot = resolve));
    const events = collectProgress(api.wsUrl, partner.key, orderId, (e) => e.type === 'SNAPSHOT' && snapshot());
    await subscribed;
    during = await apiMetrics();
    worker = await startWorker(config, databaseUrl, logger);
    workers.push(worker);
    expect((await events).at(-1)).toMatchObject({ type: 'COMPLETED' });
    const link = await gqlOk(api.url, `mutation($o: ID!) { createDownloadLink(orderId: $o, format: ZIP) { url } }`, { o: orderId }, partner.key);
    linkUrl = new URL(link.createDownloadLink.url, api.url).href;
    const zip = await fetch(linkUrl, { headers: { authorization: `Bearer ${partner.key}` } });
    expect(zip.status).toBe(200);
    await zip.arrayBuffer();
    // A key that does not exist: refused, and its text must not reach the log either.
    expect((await gql(api.url, '{ me { id } }', {}, `sbk_${'x'.repeat(43)}`)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    after = await apiMetrics();
  });

  test('GraphQL operations are counted and timed by root field, type and outcome', () => {
    const placed = { operation: 'placeOrder', type: 'mutation', outcome: 'ok' };
    expect(sample(after, 'synthbus_graphql_operations_total', placed) - sample(before, 'synthbus_graphql_operations_total', placed)).toBe(1);
    expect(sample(after, 'synthbus_graphql_operation_duration_seconds_count', placed)).toBe(1);
    expect(sample(after, 'synthbus_graphql_operation_duration_seconds_bucket', { ...placed, le: '+Inf' })).toBe(1);
    expect(sample(after, 'synthbus_graphql_operations_total', { operation: 'me', type: 'query', outcome: 'UNAUTHENTICATED' })).toBe(0); // refused before the operation ran: see the HTTP log
    expect(sample(after, 'synthbus_graphql_operations_total', { operation: 'orderProgress', type: 'subscription', outcome: 'ok' })).toBe(1);
    expect(sample(after, 'synthbus_graphql_operations_total', { operation: 'createDownloadLink', type: 'mutation', outcome: 'ok' })).toBe(1);
  });

  test('orders by status, subscriptions and connections, audit appends', () => {
    expect(sample(during, 'synthbus_orders', { status: 'QUEUED' })).toBe(1);
    expect(sample(during, 'synthbus_shards', { state: 'queued' })).toBe(2); // 6 images, shards of 4
    expect(sample(during, 'synthbus_graphql_subscriptions_active')).toBe(1);
    expect(sample(during, 'synthbus_websocket_connections')).toBe(1);
    expect(sample(after, 'synthbus_orders', { status: 'QUEUED' })).toBe(0);
    expect(sample(after, 'synthbus_orders', { status: 'COMPLETED' })).toBe(1);
    expect(sample(after, 'synthbus_shards', { state: 'queued' })).toBe(0);
    expect(sample(after, 'synthbus_graphql_subscriptions_active')).toBe(0);
    expect(sample(after, 'synthbus_websocket_connections')).toBe(0);
    // apply, approve, accept, issue, place, link: at least six mutations audited in between.
    expect(sample(after, 'synthbus_audit_appends_total') - sample(before, 'synthbus_audit_appends_total')).toBeGreaterThanOrEqual(6);
  });

  test("the worker's port: images, stage histograms, shard runs, its bundle", async () => {
    const text = await scrape(`${worker.probes.url}/metrics`);
    const [model] = worker.engine.models();
    expect(sample(text, 'synthbus_worker_images_made_total', { model_id: model.modelId })).toBe(6);
    for (const stage of ['denoise', 'decode', 'embed', 'nn_search', 'png', 'store']) {
      expect([stage, sample(text, 'synthbus_worker_stage_seconds_count', { stage })]).toEqual([stage, expect.any(Number)]);
      expect(sample(text, 'synthbus_worker_stage_seconds_count', { stage })).toBeGreaterThan(0);
      expect(sample(text, 'synthbus_worker_stage_seconds_sum', { stage })).toBeGreaterThan(0);
    }
    expect(sample(text, 'synthbus_worker_stage_seconds_count', { stage: 'store' })).toBe(6);
    expect(sample(text, 'synthbus_worker_shard_runs_total', { outcome: 'completed' })).toBe(2); // shards of 4
    expect(sample(text, 'synthbus_worker_bundle_info', { model_id: model.modelId, sha256: model.bundleHash })).toBe(1);
  });

  test('the log: JSON lines with level and time, request ids on HTTP lines, order ids on order lines, no secret', () => {
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const p of parsed) {
      expect(typeof p.level).toBe('string');
      expect(new Date(p.time as string).toISOString()).toBe(p.time);
      expect(typeof p.msg).toBe('string');
    }
    const http = parsed.filter((p) => p.method !== undefined || p.transport !== undefined);
    expect(http.length).toBeGreaterThan(10);
    for (const p of http) expect(p.requestId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    // The download's line, its token scrubbed from the path.
    expect(http.some((p) => String(p.path).startsWith('/downloads/') && p.status === 200)).toBe(true);
    // Every line that names the order carries its id; some lines of each process do.
    const aboutOrder = lines.filter((l) => l.includes(orderId)).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const p of aboutOrder) expect(p.orderId).toBe(orderId);
    // placeOrder's line carries the id of the order it made; createDownloadLink's its argument.
    expect(parsed.filter((p) => p.orderId === orderId && p.transport === 'http').map((p) => p.operation)).toEqual(['placeOrder', 'createDownloadLink']);
    expect(parsed.filter((p) => p.orderId === orderId && p.transport === 'websocket').length).toBe(1);
    expect(parsed.filter((p) => p.orderId === orderId && typeof p.workerId === 'string').length).toBeGreaterThanOrEqual(1);
    const all = lines.join('');
    const token = new URL(linkUrl).pathname.split('/').pop() as string;
    for (const secret of [adminKey, partner.key, partner.accountKey, `sbk_${'x'.repeat(43)}`, token, LINK_SECRET, PASSPHRASE]) expect(all).not.toContain(secret);
  });
});

test('/metrics on the API needs an admin key', async () => {
  const metricsUrl = new URL('/metrics', api.url).href;
  expect((await fetch(metricsUrl)).status).toBe(401);
  const partner = await createApprovedPartner({ url: api.url, adminKey }, 'Metrics Reader');
  expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${partner.key}` } })).status).toBe(403);
});

test('rate-limit refusals are counted by limit', async () => {
  const before = sample(await apiMetrics(), 'synthbus_rate_limit_refusals_total', { limit: 'anonymous' });
  const statuses: number[] = [];
  for (let i = 0; i <= config.rateLimits.anonymousPerMinute; i++) statuses.push((await gql(api.url, '{ currentAgreement { version } }')).status);
  const refused = statuses.filter((s) => s === 429).length;
  expect(refused).toBeGreaterThan(0);
  expect(sample(await apiMetrics(), 'synthbus_rate_limit_refusals_total', { limit: 'anonymous' }) - before).toBe(refused);
});

test("the worker's probes: live, ready with its bundle verified, not ready while PostgreSQL is away, ready again by itself", async () => {
  const [worker] = workers;
  expect(await (await fetch(`${worker.probes.url}/healthz`)).json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${worker.probes.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', bundle: 'ok' } });
  const cut = await cutDatabase(databaseUrl);
  try {
    const down = await fetch(`${worker.probes.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(((await down.json()) as { checks: Record<string, string> }).checks).toMatchObject({ database: expect.stringMatching(/^unreachable: /), bundle: 'ok' });
    expect((await fetch(`${worker.probes.url}/healthz`)).status).toBe(200);
  } finally {
    await cut.restore();
  }
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    status = (await fetch(`${worker.probes.url}/readyz`)).status;
    if (status !== 200) await sleep(100);
  }
  expect(status).toBe(200);
  expect((await fetch(`${worker.probes.url}/nope`)).status).toBe(404);
});

test('a WebSocket connection is counted while open', async () => {
  const client = createClient({ url: api.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, connectionParams: { authorization: `Bearer ${adminKey}` } });
  await new Promise<void>((resolve) => client.on('connected', () => resolve()));
  expect(sample(await apiMetrics(), 'synthbus_websocket_connections')).toBe(1);
  await client.dispose();
});

test("a caller's plain X-Request-Id is kept, echoed and logged; anything else is replaced", async () => {
  const send = (id: string) => fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}`, 'x-request-id': id }, body: JSON.stringify({ query: '{ models { modelId } }' }) });
  const kept = await send('proxy-7f.3:a');
  expect(kept.headers.get('x-request-id')).toBe('proxy-7f.3:a');
  const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((p) => p.requestId === 'proxy-7f.3:a');
  expect(logged.map((p) => p.operation ?? p.method)).toEqual(['models', 'POST']);
  const replaced = await send('two words');
  expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test("a worker's /readyz says 'loading' until its bundles are verified", async () => {
  const probes = await startProbeServer({ host: '127.0.0.1', port: 0, ds: api.deps.ds, registry: createWorkerMetrics().registry });
  try {
    const loading = await fetch(`${probes.url}/readyz`);
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ status: 'not ready', checks: { database: 'ok', migrations: 'ok', bundle: 'loading' } });
    expect((await fetch(`${probes.url}/healthz`)).status).toBe(200);
    probes.setBundleState('ok');
    expect((await fetch(`${probes.url}/readyz`)).status).toBe(200);
  } finally {
    await probes.close();
  }
});

test('a worker whose port is taken stops at startup, naming SYNTHBUS_WORKER_PORT', async () => {
  const taken = new URL(workers[0].probes.url).port;
  await expect(startWorker({ ...config, workerPort: Number(taken) }, databaseUrl, logger)).rejects.toThrow(`worker: cannot serve its probes on 127.0.0.1:${taken} (SYNTHBUS_WORKER_PORT): listen EADDRINUSE`);
});
