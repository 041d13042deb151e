/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The soak of issue 10: orders keep flowing through two API processes and two workers while a
// chaos loop on a fixed seed kills a random worker with SIGKILL (and starts a replacement),
// restarts PostgreSQL (3 s down) and sends SIGTERM to an API (and starts a replacement). At the
// end every order is COMPLETED with each image byte-identical to an undisturbed run of the same
// order, the audit chain verifies and no temp file is left in the store. It prints the figures:
// orders, faults per kind, the time to the next recorded image after each fault kind, losses.
// Bounded: SYNTHBUS_SOAK_SECONDS of chaos (default 40, for CI); by hand e.g.
//   SYNTHBUS_SOAK_SECONDS=600 npx jest tests/e2e/reliability-soak.test.ts --testTimeout 1200000
import type { Sampler } from '../../src/domain/model';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort, runningEmbeddedUrl } from '../../src/db/embedded';
import type { ClassCount } from '../../src/domain/order';
import { classOfIndex } from '../../src/domain/order-request';
import { FIXTURE_BUNDLE_DIR } from '../../src/generation/bundle';
import { loadEngine } from '../../src/worker/engine-loader';
import { PG_BIN, cleanUpProduct, exited, pgCtl, pgStart, spawnMain, startProduct } from '../helpers/start-process';
import { REPO_ROOT, createApprovedPartner, gql, gqlOk } from '../helpers/stack';

const SOAK_SECONDS = Number(process.env.SYNTHBUS_SOAK_SECONDS ?? 40);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-soak-'));
const everyChild: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator (a 32-bit LCG): the same chaos on every run. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

afterAll(() => cleanUpProduct(dataDir, everyChild));

type Kind = 'kill -9 worker' | 'restart PostgreSQL' | 'SIGTERM api';

(fs.existsSync(PG_BIN) ? test : test.skip)(
  `soak: ${SOAK_SECONDS} s of orders under chaos; all complete byte-identical, audit verifies, no temp files`,
  async () => {
    // An initialised, migrated server and an admin key from one `start`; then the server alone.
    const init = await startProduct(dataDir);
    everyChild.push(init.child);
    const adminKey = /^\s+(sbk_\S+)$/m.exec(init.output())?.[1] as string;
    init.child.kill('SIGTERM');
    expect(await exited(init.child)).toBe(0);
    const port = await freePort();
    pgStart(dataDir, port);
    const dbUrl = runningEmbeddedUrl(dataDir) as string;
    const env = { DATABASE_URL: dbUrl, SYNTHBUS_DATA_DIR: dataDir, SYNTHBUS_LEASE_SECONDS: '6', SYNTHBUS_HEARTBEAT_SECONDS: '1' };
    const unexpectedExits: string[] = [];
    const expected = new Set<ChildProcess>();
    const watch = (c: ChildProcess, name: string) => {
      everyChild.push(c);
      c.once('exit', (code, signal) => !expected.has(c) && unexpectedExits.push(`${name} exited ${code ?? signal}`));
      return c;
    };
    const startApi = async () => {
      const a = await spawnMain('api', env, /SynthBUS GraphQL endpoint: (http:\/\/\S+)/);
      watch(a.child, 'api');
      return { child: a.child, url: a.match[1] };
    };
    const startWorker = async () => watch((await spawnMain('worker', env, /worker \S+: 1 slot\(s\)/)).child, 'worker');
    const apis = [await startApi(), await startApi()];
    const workers = [await startWorker(), await startWorker()];
    const partner = await createApprovedPartner({ url: apis[0].url, adminKey });
    const [model] = (await gqlOk(apis[0].url, `{ models { modelId classes { birads } minSteps } }`)).models;
    const [a, b] = model.classes.map((c: { birads: number }) => c.birads);
    const db = new Client({ connectionString: dbUrl });
    const imagesRecorded = async (): Promise<number> => {
      const c = new Client({ connectionString: dbUrl });
      try {
        await c.connect();
        return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM order_images')).rows[0].n;
      } finally {
        await c.end().catch(() => undefined);
      }
    };

    // Orders: one every ~1.5 s, each retried with its idempotency key until some API accepts it.
    const rand = seeded(20261127);
    const placed: string[] = [];
    let placing = true;
    const placer = (async () => {
      for (let n = 0; placing; n++) {
        const input = { modelId: model.modelId, size: 8, mix: [{ birads: a, count: 4 }, { birads: b, count: 4 }], seed: 987654321 + n, steps: model.minSteps };
        for (;;) {
          const api = apis[Math.floor(rand() * apis.length)];
          const r = await gql(api.url, `mutation($i: OrderInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id } }`, { i: input, k: `soak-${n}` }, partner.key).catch(() => null);
          if (r?.data?.placeOrder?.id) {
            if (!placed.includes(r.data.placeOrder.id)) placed.push(r.data.placeOrder.id);
            break;
          }
          await sleep(500);
        }
        await sleep(1500);
      }
    })();

    // Chaos on the fixed seed; after each fault, the time until the next image is recorded.
    const recovery: Record<Kind, number[]> = { 'kill -9 worker': [], 'restart PostgreSQL': [], 'SIGTERM api': [] };
    const kinds: Kind[] = ['kill -9 worker', 'restart PostgreSQL', 'SIGTERM api'];
    const end = Date.now() + SOAK_SECONDS * 1000;
    while (Date.now() < end) {
      await sleep(3000 + rand() * 3000);
      const kind = kinds[Math.floor(rand() * kinds.length)];
      const before = await imagesRecorded().catch(() => 0);
      let from = Date.now();
      if (kind === 'kill -9 worker') {
        const i = Math.floor(rand() * workers.length);
        expected.add(workers[i]);
        workers[i].kill('SIGKILL');
        workers[i] = await startWorker();
      } else if (kind === 'restart PostgreSQL') {
        pgCtl(dataDir, 'stop', '-m', 'fast');
        await sleep(3000);
        pgStart(dataDir, port);
        from = Date.now();
      } else {
        const i = Math.floor(rand() * apis.length);
        expected.add(apis[i].child);
        apis[i].child.kill('SIGTERM');
        expect(await exited(apis[i].child)).toBe(0);
        apis[i] = await startApi();
      }
      for (let n = before; n <= before && Date.now() - from < 60_000; n = await imagesRecorded().catch(() => before)) await sleep(100);
      recovery[kind].push((Date.now() - from) / 1000);
    }
    placing = false;
    await placer;

    // Every order completes.
    await db.connect();
    const deadline = Date.now() + 120_000;
    let open = placed.length;
    while (open > 0 && Date.now() < deadline) {
      open = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE status <> 'COMPLETED'`)).rows[0].n;
      await sleep(500);
    }
    const orders = (await db.query<{ id: string; status: string; size: number; counts: ClassCount[]; order_seed: string; sampler: Sampler; steps: number; guidance: number; certificate_id: string; model_id: string }>(
      'SELECT id, status, size, counts, order_seed, sampler, steps, guidance, certificate_id, model_id FROM orders ORDER BY created_at',
    )).rows;
    const images = (await db.query<{ order_id: string; idx: number; sha256: string }>('SELECT order_id, idx, sha256 FROM order_images ORDER BY order_id, idx')).rows;
    await db.end();

    // Byte-identical to an undisturbed run: the same orders generated in one go, in this process.
    const engine = await loadEngine({ bundleDirs: [FIXTURE_BUNDLE_DIR], provider: 'cpu' }, () => undefined);
    let mismatched = 0;
    try {
      for (const o of orders) {
        const params = { modelId: o.model_id, orderId: o.id, certificateId: o.certificate_id, orderSeed: Number(o.order_seed), sampler: o.sampler, steps: o.steps, guidance: o.guidance };
        const reference = await engine.generate(params, [...Array(o.size).keys()].map((index) => ({ index, birads: classOfIndex(o.counts, index) })));
        const recorded = images.filter((i) => i.order_id === o.id);
        if (recorded.map((i) => i.idx).join() !== [...Array(o.size).keys()].join()) mismatched++;
        else if (reference.some((r) => recorded[r.record.index].sha256 !== r.record.sha256)) mismatched++;
      }
    } finally {
      await engine.close();
    }
    const tmpFiles: string[] = [];
    const walk = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.tmp') && tmpFiles.push(e.name)));
    walk(path.join(dataDir, 'images'));
    const audit = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js'), 'audit', 'verify'], { env: { ...process.env, ...env } });

    const figure = (xs: number[]) => (xs.length ? `${xs.length} (recovered in ${xs.map((x) => x.toFixed(1)).join(', ')} s)` : '0');
    process.stdout.write(
      `soak: ${SOAK_SECONDS} s of chaos, ${orders.length} orders (${orders.filter((o) => o.status === 'COMPLETED').length} completed), ` +
        `${images.length} images; faults: kill -9 worker ${figure(recovery['kill -9 worker'])}; restart PostgreSQL ${figure(recovery['restart PostgreSQL'])}; ` +
        `SIGTERM api ${figure(recovery['SIGTERM api'])}; losses: ${mismatched} orders with missing, duplicated or different images; ${tmpFiles.length} temp files\n`,
    );
    expect(orders.length).toBe(placed.length);
    expect(orders.filter((o) => o.status !== 'COMPLETED')).toEqual([]);
    expect(mismatched).toBe(0);
    expect(tmpFiles).toEqual([]);
    expect(audit.stdout).toMatch(/audit chain OK/);
    expect(unexpectedExits).toEqual([]);
    for (const c of [...apis.map((a) => a.child), ...workers]) {
      expected.add(c);
      c.kill('SIGTERM');
      expect(await exited(c)).toBe(0);
    }
    pgCtl(dataDir, 'stop', '-m', 'fast');
  },
  (SOAK_SECONDS + 300) * 1000,
);
