// Does the fleet scale with workers? One API process and 1, 2, 4 and 8 worker processes on one
// PostgreSQL (embedded, with pg_stat_statements) and one image store, each set making one large
// order. First with an engine that sleeps a fixed time per batch instead of running the model
// (bench/fleet/sleeping-engine.ts), so what is measured is the queue, database and event overhead
// and nothing of the model; then with the real tiny model for 1 and 2 workers. For each run:
// images/s from placing the order to hearing COMPLETED on the API's subscription, the ideal
// (N × the one-worker rate of the same run kind) and the ratio; CPU seconds of the workers, the
// API and PostgreSQL (/proc); where the database time went (pg_stat_statements) and what active
// backends waited for (pg_stat_activity samples).
//
// Run (from the repository root):  npx tsc -p tsconfig.build.json && node dist/bench/fleet.js
//   [--images 512] [--shard 8] [--batch 4] [--sleep-ms 200] [--workers 1,2,4,8]
//   [--real-images 48] [--real-workers 1,2] [--top 6]
import { generateKeyPairSync } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAppDataSource } from '../src/db/data-source';
import { startEmbeddedDatabase } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { ensureAppLogin } from '../src/db/roles';
import { FIXTURE_BUNDLE_DIR } from '../src/generation/bundle';
import { issueKey } from '../src/services/api-keys';
import { PARTNER_SCOPES } from '../src/services/principal';
import { DbProfile, enableStatements, preloadStatements, profile } from './fleet/db-profile';
import { gql, orderEnd, partnerKey } from './fleet/graphql';
import { cpuSeconds, spawnReady, stop, withChildren } from './fleet/processes';
import { TIMING_PREFIX, WorkerTiming } from './fleet/worker-timing';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const list = (s: string) => s.split(',').filter(Boolean).map(Number);

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const WORKER = path.join(__dirname, 'fleet', 'worker.js');
const WORKER_READY = /worker ([^\s"]+): 1 slot\(s\)/;

interface Run {
  workers: number;
  images: number;
  seconds: number;
  /** CPU seconds during the run. */
  cpu: { workers: number; api: number; postgres: number };
  /** Images each worker made, fewest and most. */
  spread: [number, number];
  db: DbProfile;
  /** Summed over the workers, over their lives (start, the order, drain). */
  timing: WorkerTiming;
}

interface Fleet {
  env: NodeJS.ProcessEnv;
  api: { child: ChildProcess; url: string; wsUrl: string };
  ownerUrl: string;
  /** The embedded PostgreSQL's postmaster: it and its backends are PostgreSQL's CPU. */
  postmaster: number;
  adminKey: string;
  key?: string;
}

let orders = 0;

async function runOrder(fleet: Fleet, kind: 'sleeping' | 'real', workers: number, images: number, sleepMs: number): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...fleet.env, SYNTHBUS_BENCH_SLEEP_MS: kind === 'sleeping' ? String(sleepMs) : '' };
  // Each its own data dir, as on separate machines (workers sharing one race to write its key ring).
  const started = await Promise.all(Array.from({ length: workers }, (_, i) => spawnReady(WORKER, [], { ...env, SYNTHBUS_DATA_DIR: path.join(env.SYNTHBUS_DATA_DIR as string, `worker-${i}`) }, WORKER_READY)));
  let run: Omit<Run, 'timing'>;
  try {
    fleet.key ??= await partnerKey(fleet.api.url, fleet.adminKey);
    const { models } = await gql<{ models: { modelId: string; classes: { birads: number }[]; minSteps: number; defaultSteps: number }[] }>(fleet.api.url, '{ models { modelId classes { birads } minSteps defaultSteps } }');
    const m = models[0];
    const [a, b] = m.classes.map((c) => c.birads);
    const input = { modelId: m.modelId, size: images, mix: [{ birads: a, count: images / 2 }, { birads: b, count: images / 2 }], seed: 1000 + orders++, steps: kind === 'real' ? m.defaultSteps : m.minSteps };
    const pids = () => ({ workers: started.map((s) => s.child.pid as number), api: [fleet.api.child.pid as number], postgres: withChildren(fleet.postmaster).filter((pid) => pid !== db.backendPid) });
    const cpu = (p: ReturnType<typeof pids>) => ({ workers: sum(p.workers.map(cpuSeconds)), api: sum(p.api.map(cpuSeconds)), postgres: sum(p.postgres.map(cpuSeconds)) });
    const db = await profile(fleet.ownerUrl);
    const before = cpu(pids());
    const t0 = process.hrtime.bigint();
    const { placeOrder } = await gql<{ placeOrder: { id: string } }>(fleet.api.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id } }', { i: input }, fleet.key);
    const end = await orderEnd(fleet.api.wsUrl, fleet.key, placeOrder.id);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const after = cpu(pids()); // a backend that ended meanwhile is missed: none do (pooled connections)
    const profiled = await db.stop();
    if (end.status !== 'COMPLETED') throw new Error(`order ${placeOrder.id} ended ${end.status}: ${end.failureReason}`);
    const perWorker = await countsByWorker(fleet.ownerUrl, placeOrder.id);
    run = {
      workers,
      images,
      seconds,
      cpu: { workers: after.workers - before.workers, api: after.api - before.api, postgres: after.postgres - before.postgres },
      spread: [Math.min(...perWorker), Math.max(...perWorker)],
      db: profiled,
    };
  } finally {
    await Promise.all(started.map((s) => stop(s.child)));
  }
  return { ...run, timing: sumTimings(started.map((s) => timingOf(s.output()))) };
}

function timingOf(output: string): WorkerTiming {
  const line = output.split('\n').find((l) => l.startsWith(TIMING_PREFIX));
  if (!line) throw new Error(`a worker stopped without its timing line:\n${output}`);
  return JSON.parse(line.slice(TIMING_PREFIX.length)) as WorkerTiming;
}

function sumTimings(ts: WorkerTiming[]): WorkerTiming {
  const add = (k: 'engine' | 'store' | 'transactions' | 'queries') => ({ calls: sum(ts.map((t) => t[k].calls)), ms: sum(ts.map((t) => t[k].ms)) });
  return { engine: add('engine'), store: add('store'), transactions: add('transactions'), queries: add('queries'), eventsHeard: sum(ts.map((t) => t.eventsHeard)) };
}

function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

async function countsByWorker(url: string, orderId: string): Promise<number[]> {
  const ds = await openAppDataSource(url, 1);
  try {
    const rows = (await ds.query('SELECT count(*)::int AS n FROM order_images WHERE order_id = $1 GROUP BY delivered_by', [orderId])) as { n: number }[];
    return rows.map((r) => r.n);
  } finally {
    await ds.destroy();
  }
}

function table(runs: Run[], ceiling: ((n: number) => number) | null): void {
  const base = runs[0].images / runs[0].seconds;
  console.log(`| workers | wall s | images/s | ideal images/s (N × ${runs[0].workers}-worker rate) | ratio to ideal |${ceiling ? ' engine ceiling images/s |' : ''} CPU s workers / API / PostgreSQL | images per worker (min–max) |`);
  console.log(`|---|---|---|---|---|${ceiling ? '---|' : ''}---|---|`);
  for (const r of runs) {
    const rate = r.images / r.seconds;
    const ideal = (base * r.workers) / runs[0].workers;
    const c = ceiling ? ` ${ceiling(r.workers).toFixed(1)} |` : '';
    console.log(`| ${r.workers} | ${r.seconds.toFixed(2)} | ${rate.toFixed(1)} | ${ideal.toFixed(1)} | ${(rate / ideal).toFixed(2)} |${c} ${r.cpu.workers.toFixed(1)} / ${r.cpu.api.toFixed(1)} / ${r.cpu.postgres.toFixed(1)} | ${r.spread[0]}–${r.spread[1]} |`);
  }
}

function report(r: Run, top: number): void {
  const { statements, totalMs, waits, samples } = r.db;
  const t = r.timing;
  const per = (x: { ms: number }) => (x.ms / r.images).toFixed(2);
  const workerMs = (r.workers * r.seconds * 1000) / r.images;
  const other = workerMs - (t.engine.ms + t.store.ms + t.transactions.ms + t.queries.ms) / r.images;
  console.log(`\n${r.workers} worker(s): worker wall time per image ${workerMs.toFixed(2)} ms (N × wall / images) = engine ${per(t.engine)} + store ${per(t.store)} + ${t.transactions.calls} transactions ${per(t.transactions)} + ${t.queries.calls} single queries ${per(t.queries)} + idle/other ${other.toFixed(2)}; each worker heard ${(t.eventsHeard / r.workers).toFixed(0)} order events (NOTIFY fan-out)`);
  console.log(`PostgreSQL server time ${totalMs.toFixed(0)} ms in ${sum(statements.map((s) => s.calls))} statements (${(totalMs / r.images).toFixed(2)} ms per image); top ${top}:`);
  console.log('| statement | calls | total ms | mean ms | share |');
  console.log('|---|---|---|---|---|');
  for (const s of statements.slice(0, top)) {
    console.log(`| ${s.query.replace(/\|/g, '\\|')} | ${s.calls} | ${s.totalMs.toFixed(0)} | ${s.meanMs.toFixed(3)} | ${((100 * s.totalMs) / totalMs).toFixed(1)}% |`);
  }
  // The locks the issue asks about by name, whether or not they made the top list.
  const locks = statements.filter((s) => /pg_advisory|audit/i.test(s.query));
  const advisoryWaits = sum([...waits.entries()].filter(([k]) => k.startsWith('Lock:advisory')).map(([, n]) => n));
  console.log(`advisory locks and audit chain: ${locks.map((s) => `${s.query} ×${s.calls} ${s.totalMs.toFixed(0)} ms`).join('; ') || 'no statement'}; Lock:advisory wait samples ${advisoryWaits}`);
  const w = [...waits.entries()].sort((x, y) => y[1] - x[1]);
  console.log(`active backends, ${samples} samples 50 ms apart (mean active ${(sum(w.map((e) => e[1])) / samples).toFixed(2)}): ${w.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
}

async function main(): Promise<void> {
  const images = Number(arg('--images', '512'));
  const shard = Number(arg('--shard', '8'));
  const batch = Number(arg('--batch', '4'));
  const sleepMs = Number(arg('--sleep-ms', '200'));
  const workerCounts = list(arg('--workers', '1,2,4,8'));
  const realImages = Number(arg('--real-images', '48'));
  const realWorkerCounts = list(arg('--real-workers', '1,2'));
  const top = Number(arg('--top', '6'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-fleet-bench-'));
  const quiet = () => undefined;
  let db = await startEmbeddedDatabase(dataDir, quiet);
  const children: ChildProcess[] = [];
  try {
    // pg_stat_statements must be preloaded: set it, then start the server again.
    await preloadStatements(db.url);
    await db.stop();
    db = await startEmbeddedDatabase(dataDir, quiet);
    await enableStatements(db.url);
    await migrate(db.url);
    const appUrl = await ensureAppLogin(db.url, path.join(dataDir, 'pg-app-password'));
    const ds = await openAppDataSource(appUrl, 1);
    const { secret: adminKey } = await issueKey(ds, { partnerId: null, name: 'bench admin', scopes: [...PARTNER_SCOPES] });
    await ds.destroy();
    // All workers sign with one key (docs/deploy.md).
    const signingKey = path.join(dataDir, 'signing.pem');
    fs.writeFileSync(signingKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      SYNTHBUS_APP_DATABASE_URL: appUrl,
      SYNTHBUS_DATA_DIR: dataDir,
      SYNTHBUS_STORAGE_DIR: path.join(dataDir, 'images'),
      SYNTHBUS_BUNDLE_DIRS: FIXTURE_BUNDLE_DIR,
      SYNTHBUS_SIGNING_KEY_FILE: signingKey,
      SYNTHBUS_SHARD_SIZE: String(shard),
      SYNTHBUS_BATCH_SIZE: String(batch),
      SYNTHBUS_QUOTA_IMAGES_PER_ORDER: String(Math.max(images, realImages)),
      SYNTHBUS_QUOTA_IMAGES_PER_30_DAYS: '1000000',
      PORT: '0',
      SYNTHBUS_WORKER_PORT: '0', // workers' probes: any free port each
    };
    const api = await spawnReady(MAIN, ['api'], env, /SynthBUS GraphQL endpoint: (http:\/\/[^\s"]+)/);
    children.push(api.child);
    const fleet: Fleet = { env, api: { child: api.child, url: api.match[1], wsUrl: api.match[1].replace(/^http/, 'ws') }, ownerUrl: db.url, postmaster: postmasterPid(dataDir), adminKey };

    console.log(`fleet benchmark: ${os.cpus().length} CPUs (${os.cpus()[0].model}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; one API process; orders in shards of ${shard}, batches of ${batch}`);
    console.log(`\nSLEEPING ENGINE: every batch of ${batch} sleeps ${sleepMs} ms instead of running the model. These figures are the queue, database and event overhead, not the model.`);
    console.log(`${images} images per order; the engine alone would allow N × ${((1000 * batch) / sleepMs).toFixed(1)} images/s.\n`);
    const sleeping: Run[] = [];
    for (const n of workerCounts) sleeping.push(await runOrder(fleet, 'sleeping', n, images, sleepMs));
    table(sleeping, (n) => (n * 1000 * batch) / sleepMs);
    for (const r of sleeping) report(r, top);

    if (realWorkerCounts.length === 0) return;
    console.log(`\nREAL TINY MODEL (CPU, default steps): ${realImages} images per order. With ${os.cpus().length} CPUs, CPU-bound scaling is capped by the cores: workers share them.\n`);
    const real: Run[] = [];
    for (const n of realWorkerCounts) real.push(await runOrder(fleet, 'real', n, realImages, 0));
    table(real, null);
    for (const r of real) report(r, top);
  } finally {
    await Promise.all(children.map(stop));
    await db.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
