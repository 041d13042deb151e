// Finding 1 of issue 10, with a real PostgreSQL restart: the server is stopped (fast shutdown) in
// the middle of an order, kept down for 5 s and started again with pg_ctl, as an operator would.
// Under `main.js start`, and under separate `api` and `worker` processes: no process dies (no
// unhandled rejection), the API answers 503 while the database is down, and the order completes
// with every index once; SIGTERM afterwards still exits 0.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, runningEmbeddedUrl } from '../../src/db/embedded';
import { PG_BIN, cleanUpProduct, exited, pgCtl, pgStart, spawnMain, startProduct } from '../helpers/start-process';
import { collectProgress, createApprovedPartner, gql, gqlOk } from '../helpers/stack';

const dataDirs = [fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-pgrestart-')), fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-pgrestart-'))];
const running: ChildProcess[] = [];
const maybe = fs.existsSync(PG_BIN) ? test : test.skip;

afterAll(async () => {
  for (const dir of dataDirs) await cleanUpProduct(dir, running);
});

/**
 * Orders 12 images through `url`; once 3 are recorded, PostgreSQL goes down for 5 s (a request
 * meanwhile must get the coded 503), then the order must complete with each index once.
 */
async function orderThroughRestart(dataDir: string, url: string, wsUrl: string, adminKey: string): Promise<void> {
  const partner = await createApprovedPartner({ url, adminKey });
  const { models } = await gqlOk(url, `{ models { modelId classes { birads } minSteps } }`);
  const [a, b] = models[0].classes.map((c: { birads: number }) => c.birads);
  const size = 12;
  const input = { modelId: models[0].modelId, size, mix: [{ birads: a, count: 5 }, { birads: b, count: 7 }], seed: 987654321, steps: models[0].minSteps };
  const { placeOrder } = await gqlOk(url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  const port = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);

  let third: () => void = () => undefined;
  const started = new Promise<void>((r) => (third = r));
  // Only its first events matter: the subscription may end with the database.
  void collectProgress(wsUrl, partner.key, placeOrder.id, (e) => e.delivered >= 3 && third()).catch(() => undefined);
  await started;

  pgCtl(dataDir, 'stop', '-m', 'fast');
  const during = await gql(url, `query($id: ID!) { order(id: $id) { status } }`, { id: placeOrder.id }, partner.key);
  expect(during.status).toBe(503);
  expect(during.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  await new Promise((r) => setTimeout(r, 5000));
  pgStart(dataDir, port);
  const restartedAt = Date.now();

  let status = '';
  while (status !== 'COMPLETED' && status !== 'FAILED' && Date.now() - restartedAt < 90_000) {
    const r = await gql(url, `query($id: ID!) { order(id: $id) { status } }`, { id: placeOrder.id }, partner.key);
    status = (r.data?.order?.status as string | undefined) ?? '';
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stdout.write(`pg restart: order ${status} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after PostgreSQL came back\n`);
  expect(status).toBe('COMPLETED');
  const db = new Client({ connectionString: runningEmbeddedUrl(dataDir) as string });
  await db.connect();
  const { rows } = await db.query<{ idx: number }>('SELECT idx FROM order_images WHERE order_id = $1 ORDER BY idx', [placeOrder.id]);
  await db.end();
  expect(rows.map((r) => r.idx)).toEqual([...Array(size).keys()]);
}

function adminKeyOf(output: string): string {
  return /^\s+(sbk_\S+)$/m.exec(output)?.[1] as string;
}

maybe('under start: the process lives on and the order completes exactly', async () => {
  const [dataDir] = dataDirs;
  const product = await startProduct(dataDir);
  running.push(product.child);
  await orderThroughRestart(dataDir, product.url, product.wsUrl, adminKeyOf(product.output()));
  expect(product.child.exitCode).toBeNull(); // never restarted by hand: the same process
  expect(product.output()).not.toMatch(/unhandled rejection|uncaught exception/);
  product.child.kill('SIGTERM');
  expect(await exited(product.child)).toBe(0);
  expect(runningEmbeddedUrl(dataDir)).toBeNull(); // the restarted server was stopped too
});

maybe('under separate api and worker processes: both live on and the order completes exactly', async () => {
  const [, dataDir] = dataDirs;
  // `start` once, for an initialised and migrated server and an admin key; then the server alone.
  const init = await startProduct(dataDir);
  running.push(init.child);
  const adminKey = adminKeyOf(init.output());
  init.child.kill('SIGTERM');
  expect(await exited(init.child)).toBe(0);
  pgStart(dataDir, await freePort());
  const env = { DATABASE_URL: runningEmbeddedUrl(dataDir) as string, SYNTHBUS_DATA_DIR: dataDir };
  const api = await spawnMain('api', env, /SynthBUS GraphQL endpoint: (http:\/\/\S+)/);
  const worker = await spawnMain('worker', env, /worker \S+: 1 slot\(s\)/);
  running.push(api.child, worker.child);
  await orderThroughRestart(dataDir, api.match[1], api.match[1].replace(/^http/, 'ws'), adminKey);
  for (const p of [api, worker]) {
    expect(p.child.exitCode).toBeNull();
    expect(p.output()).not.toMatch(/unhandled rejection|uncaught exception/);
    p.child.kill('SIGTERM');
    expect(await exited(p.child)).toBe(0);
  }
  pgCtl(dataDir, 'stop', '-m', 'fast');
});
