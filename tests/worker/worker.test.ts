/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The worker's failure and cancellation paths, with a real in-process worker on the tiny bundle.
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestPartner, TestStack, collectProgress, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let partner: TestPartner;
const PLACE = `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`;

beforeAll(async () => {
  stack = await startTestStack({ worker: true, config: { shardSize: 2, batchSize: 1 } });
  partner = await createApprovedPartner(stack);
});
afterAll(() => stack.close());

function fixtureInput(size: number) {
  const model = stack.engine!.models()[0];
  return { modelId: model.modelId, size, mix: [{ birads: model.classes[0].birads, count: size }], seed: 5, steps: model.minSteps };
}

async function imageCount(orderId: string): Promise<number> {
  const [r] = (await stack.api.deps.ds.query('SELECT count(*)::int AS n FROM order_images WHERE order_id = $1', [orderId])) as { n: number }[];
  return r.n;
}

test('cancelling stops the remaining shards', async () => {
  const { placeOrder } = await gqlOk(stack.url, PLACE, { i: fixtureInput(40) }, partner.key);
  let cancelled = false;
  const events = await collectProgress(stack.wsUrl, partner.key, placeOrder.id, (e) => {
    if (!cancelled && e.delivered >= 2) {
      cancelled = true;
      void gqlOk(stack.url, `mutation($id: ID!) { cancelOrder(id: $id) { status } }`, { id: placeOrder.id }, partner.key);
    }
  });
  expect(events[events.length - 1]).toMatchObject({ type: 'CANCELLED', status: 'CANCELLED' });
  const atCancel = await imageCount(placeOrder.id);
  // Give the worker time to have gone on, were it going to: it must not.
  await new Promise((r) => setTimeout(r, 2500));
  expect(await imageCount(placeOrder.id)).toBe(atCancel);
  expect(atCancel).toBeLessThan(40);
  const [{ n }] = (await stack.api.deps.ds.query(`SELECT count(*)::int AS n FROM shard_jobs WHERE order_id = $1 AND state IN ('QUEUED', 'ACTIVE')`, [placeOrder.id])) as { n: number }[];
  expect(n).toBe(0); // the remaining shards were withdrawn
});

test('a shard of a model no worker holds waits for one, unclaimed, and the order stays queued', async () => {
  // The catalog lists a model that no worker has loaded (e.g. a worker fleet was rolled back).
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  const { placeOrder } = await gqlOk(stack.url, PLACE, { i: { modelId: CATALOG_MODEL.modelId, size: 2, mix: [{ birads: 2, count: 2 }] } }, partner.key);
  await new Promise((r) => setTimeout(r, 2500)); // several polls of the running worker
  const [shard] = (await stack.api.deps.ds.query('SELECT state, worker_id, failures FROM shard_jobs WHERE order_id = $1', [placeOrder.id])) as Record<string, unknown>[];
  expect(shard).toEqual({ state: 'QUEUED', worker_id: null, failures: 0 });
  const { order } = await gqlOk(stack.url, `query($id: ID!) { order(id: $id) { status } }`, { id: placeOrder.id }, partner.key);
  expect(order.status).toBe('QUEUED');
});
