/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// A shard handed back after its order ended has nothing left to do. Seen in CI: a worker recorded
// a shard's last image, the database went away before it could finish, and by the time its
// hand-back went through another shard had completed the order; the shard sat QUEUED behind a
// COMPLETED order (and ran again for nothing). It is settled DONE instead, and an order that ends
// withdraws its queued shards with it.
import { reapLostShards } from '../../src/db/leases';
import { claimShard, requeueShard } from '../../src/db/shard-queue';
import { failOrderOfLostShard } from '../../src/services/shards';
import * as lifecycle from '../../src/services/order-lifecycle';
import { TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ models: true, config: { shardSize: 4 } });
});
afterAll(() => stack.close());

async function shardStates(orderId: string): Promise<string[]> {
  const rows = (await stack.api.deps.ds.query('SELECT state FROM shard_jobs WHERE order_id = $1 ORDER BY shard', [orderId])) as { state: string }[];
  return rows.map((r) => r.state);
}

test('a shard handed back after its order ended is DONE, not queued again; one of a running order is queued', async () => {
  const partner = await createApprovedPartner(stack);
  const model = stack.engine!.models()[0];
  const [a, b] = model.classes.map((c) => c.birads);
  const input = { modelId: model.modelId, size: 8, mix: [{ birads: a, count: 4 }, { birads: b, count: 4 }], seed: 5, steps: model.minSteps };
  const place = async () => (await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key)).placeOrder.id as string;
  const bundle = { modelId: model.modelId, bundleHash: model.bundleHash };
  const ds = stack.api.deps.ds;

  const running = await place();
  const first = await claimShard(ds, 'w1', [bundle]);
  expect(first?.orderId).toBe(running);
  expect(await requeueShard(ds, first!.id, 'w1', 0, null)).toBe(true);
  expect(await shardStates(running)).toEqual(['QUEUED', 'QUEUED']);

  const again = await claimShard(ds, 'w1', [bundle]);
  expect(again?.id).toBe(first!.id);
  await gqlOk(stack.url, `mutation($id: ID!) { cancelOrder(id: $id) { status } }`, { id: running }, partner.key);
  expect(await shardStates(running)).toEqual(['ACTIVE', 'CANCELLED']);
  // The worker's hand-back arrives after the order ended (a database outage delayed it).
  expect(await requeueShard(ds, first!.id, 'w1', 1, null)).toBe(true);
  expect(await shardStates(running)).toEqual(['DONE', 'CANCELLED']);
});

test('an order that fails withdraws its queued shards; the running one is settled by its worker', async () => {
  const partner = await createApprovedPartner(stack);
  const model = stack.engine!.models()[0];
  const [a] = model.classes.map((c) => c.birads);
  const input = { modelId: model.modelId, size: 12, mix: [{ birads: a, count: 12 }], seed: 6, steps: model.minSteps };
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  const ds = stack.api.deps.ds;
  const held = await claimShard(ds, 'w2', [{ modelId: model.modelId, bundleHash: model.bundleHash }]);
  expect(held?.orderId).toBe(placeOrder.id);
  await lifecycle.fail(ds, placeOrder.id, 'a shard gave up');
  expect(await shardStates(placeOrder.id)).toEqual(['ACTIVE', 'CANCELLED', 'CANCELLED']);
});

test("a shard whose worker dies each time it runs it fails its order at the lapse limit, naming why; below it, it is queued again", async () => {
  const partner = await createApprovedPartner(stack);
  const model = stack.engine!.models()[0];
  const [a] = model.classes.map((c) => c.birads);
  const input = { modelId: model.modelId, size: 4, mix: [{ birads: a, count: 4 }], seed: 7, steps: model.minSteps };
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  const ds = stack.api.deps.ds;
  const bundle = { modelId: model.modelId, bundleHash: model.bundleHash };
  // A worker that never heartbeats claims the shard, and its lease is an hour old: lapsed.
  const dies = async () => {
    const held = await claimShard(ds, 'doomed', [bundle]);
    expect(held?.orderId).toBe(placeOrder.id);
    await ds.query(`UPDATE shard_jobs SET claimed_at = now() - interval '1 hour' WHERE id = $1`, [held!.id]);
    return reapLostShards(ds, 15, 2, failOrderOfLostShard);
  };
  const status = async () => (await gqlOk(stack.url, `query($id: ID!) { order(id: $id) { status failureReason } }`, { id: placeOrder.id }, partner.key)).order;

  expect((await dies()).filter((r) => r.orderId === placeOrder.id)).toEqual([expect.objectContaining({ shard: 0, lapses: 1, workerId: 'doomed' })]);
  expect(await shardStates(placeOrder.id)).toEqual(['QUEUED']);
  expect(await status()).toEqual({ status: 'QUEUED', failureReason: null });

  expect((await dies()).filter((r) => r.orderId === placeOrder.id)).toEqual([expect.objectContaining({ shard: 0, lapses: 2 })]);
  expect(await status()).toEqual({ status: 'FAILED', failureReason: 'shard 0 (images 0-3) lost its worker 2 times: each worker running it stopped before finishing (killed, or out of memory?)' });
  expect(await shardStates(placeOrder.id)).toEqual(['CANCELLED']);
});
