/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Crash recovery: the only worker process is killed with SIGKILL in the middle of a shard; two
// workers then start and share the rest of the order, one of them picking up the killed worker's
// shard once its lease lapses (the worker stopped heartbeating). The order completes with exactly the requested counts per class, no
// image is recorded twice, and every image is byte-identical to an uninterrupted run of the same
// order (the engine run in this process with the same parameters).
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { Client } from 'pg';
import type { CohortParams } from '../../src/domain/cohort';
import { classOfIndex } from '../../src/domain/order-request';
import { FileContentStore } from '../../src/storage/content-store';
import { startWorkerProcess } from '../helpers/start-process';
import { TestStack, collectProgress, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
const children: ChildProcess[] = [];

/** A SIGKILLed worker's shard is handed back this long after its last heartbeat. */
const LEASE_SECONDS = 6;

function startWorker(): ChildProcess {
  const child = startWorkerProcess(stack, { SYNTHBUS_LEASE_SECONDS: String(LEASE_SECONDS), SYNTHBUS_HEARTBEAT_SECONDS: '1' });
  children.push(child);
  return child;
}

beforeAll(async () => {
  // The API runs here; the order's shard settings come from the order (shard size 4).
  stack = await startTestStack({ models: true, config: { shardSize: 4 } });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  await stack.close();
});

test('kill -9 of a worker mid-order: the order completes exactly, byte-identical to an uninterrupted run', async () => {
  const engine = stack.engine!;
  const model = engine.models()[0];
  const partner = await createApprovedPartner(stack);
  const [a, b] = model.classes.map((c) => c.birads);
  const size = 12;
  const input = { modelId: model.modelId, size, mix: [{ birads: a, count: 5 }, { birads: b, count: 7 }], seed: 987654321, steps: model.minSteps };

  const victim = startWorker();
  const order = (await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id certificateId } }`, { i: input }, partner.key)).placeOrder;

  // Kill the worker at its third image: shards hold 4, so it dies in the middle of one.
  let killedAt = -1;
  const events = await collectProgress(stack.wsUrl, partner.key, order.id, (e) => {
    if (killedAt < 0 && e.delivered >= 3) {
      killedAt = e.delivered;
      victim.kill('SIGKILL');
      startWorker();
      startWorker();
    }
  });
  expect(killedAt).toBe(3);
  const last = events[events.length - 1];
  expect(last).toMatchObject({ type: 'COMPLETED', delivered: size });
  expect(last.deliveredByClass).toEqual([{ birads: a, count: 5 }, { birads: b, count: 7 }]);

  // Exactly one row per index, with the requested class.
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ idx: number; birads: number; sha256: string; delivered_by: string }>(
    'SELECT idx, birads, sha256, delivered_by FROM order_images WHERE order_id = $1 ORDER BY idx',
    [order.id],
  );
  await db.end();
  expect(rows.map((r) => r.idx)).toEqual([...Array(size).keys()]);
  const perClass = rows.reduce((acc, r) => ((acc[r.birads] = (acc[r.birads] ?? 0) + 1), acc), {} as Record<number, number>);
  expect(perClass).toEqual({ [a]: 5, [b]: 7 });
  // The killed worker made the images before its death (one more may have landed between the
  // event and the kill); the restarted workers made the rest, its unfinished shard included.
  const byVictim = rows.filter((r) => r.delivered_by === `${os.hostname()}:${victim.pid}`).length;
  expect(byVictim).toBeGreaterThanOrEqual(3);
  expect(byVictim).toBeLessThan(size);
  expect(new Set(rows.map((r) => r.delivered_by)).size).toBeGreaterThanOrEqual(2);

  // The uninterrupted reference: the same order's images generated in one go.
  const fresh = await gqlOk(stack.url, `query($id: ID!) { order(id: $id) { seed steps guidance counts { birads count } } }`, { id: order.id }, partner.key);
  const params: CohortParams = { modelId: model.modelId, orderId: order.id, certificateId: order.certificateId, orderSeed: fresh.order.seed, sampler: 'DDIM', steps: fresh.order.steps, guidance: fresh.order.guidance };
  const reference = await engine.generate(params, [...Array(size).keys()].map((index) => ({ index, birads: classOfIndex(fresh.order.counts, index) })));
  const store = new FileContentStore(stack.config.storageRoot);
  for (const ref of reference) {
    const row = rows[ref.record.index];
    expect(row.sha256).toBe(ref.record.sha256);
    const stored = fs.readFileSync(store.path(row.sha256));
    expect(createHash('sha256').update(stored).digest('hex')).toBe(row.sha256);
    expect(stored.equals(ref.png)).toBe(true);
  }
});
