// Finding 2 of issue 10: SIGTERM to `main.js start` in the middle of an order drains it: the
// worker stops within one batch and hands its shard back to the queue, subscribers are closed
// with 1001 "going away", PostgreSQL stops last, and the process exits 0 within 10 s. After a
// restart the order completes at once: the lease (set to 120 s here) is never waited for.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { runningEmbeddedUrl } from '../../src/db/embedded';
import { settledShards } from '../helpers/shards';
import { cleanUpProduct, exited, startProduct } from '../helpers/start-process';
import { collectProgress, createApprovedPartner, gqlOk } from '../helpers/stack';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-drain-'));
const running: ChildProcess[] = [];

/** With a 120 s lease: a resume sooner than that cannot be the lease lapsing. */
async function start() {
  const started = await startProduct(dataDir, { SYNTHBUS_LEASE_SECONDS: '120' });
  running.push(started.child);
  return started;
}

afterAll(() => cleanUpProduct(dataDir, running));

test('SIGTERM mid-order: exit 0 within 10 s, shard handed back, and the order completes after a restart', async () => {
  const first = await start();
  const adminKey = /^\s+(sbk_\S+)$/m.exec(first.output())?.[1] as string;
  const partner = await createApprovedPartner({ url: first.url, adminKey });
  const { models } = await gqlOk(first.url, `{ models { modelId classes { birads } minSteps } }`);
  const model = models[0];
  const [a, b] = model.classes.map((c: { birads: number }) => c.birads);
  const size = 12;
  const input = { modelId: model.modelId, size, mix: [{ birads: a, count: 5 }, { birads: b, count: 7 }], seed: 987654321, steps: model.minSteps };
  const { placeOrder } = await gqlOk(first.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);

  let signalledAt = 0;
  const ended = collectProgress(first.wsUrl, partner.key, placeOrder.id, (e) => {
    if (!signalledAt && e.delivered >= 2) {
      signalledAt = Date.now();
      first.child.kill('SIGTERM');
    }
  }).then(
    () => null,
    (e: Error & { cause?: { code?: number } }) => e.cause?.code ?? null,
  );
  const code = await exited(first.child);
  const drainSeconds = (Date.now() - signalledAt) / 1000;
  process.stdout.write(`drain: exit ${code} ${drainSeconds.toFixed(1)} s after SIGTERM\n`);
  expect(code).toBe(0);
  expect(drainSeconds).toBeLessThan(10);
  expect(await ended).toBe(1001); // the subscription was closed "going away"
  expect(first.output()).toMatch(/shard \d+: handed back to the queue \(worker draining\)/);
  expect(runningEmbeddedUrl(dataDir)).toBeNull(); // PostgreSQL stopped too, last

  const second = await start();
  const restartedAt = Date.now();
  const events = await collectProgress(second.wsUrl, partner.key, placeOrder.id);
  process.stdout.write(`drain: order ${events[events.length - 1].type} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart\n`);
  expect(events[events.length - 1]).toMatchObject({ type: 'COMPLETED', delivered: size });
  const db = new Client({ connectionString: runningEmbeddedUrl(dataDir) as string });
  await db.connect();
  const { rows } = await db.query<{ idx: number }>('SELECT idx FROM order_images WHERE order_id = $1 ORDER BY idx', [placeOrder.id]);
  const shards = await settledShards(async (sql, params) => (await db.query(sql, params)).rows, placeOrder.id);
  await db.end();
  expect(rows.map((r) => r.idx)).toEqual([...Array(size).keys()]);
  expect(shards).toEqual(Array(3).fill({ state: 'DONE', failures: 0, last_error: null }));
  second.child.kill('SIGTERM');
  expect(await exited(second.child)).toBe(0);
});
