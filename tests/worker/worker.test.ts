/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The worker's failure and cancellation paths, with a real in-process worker on the tiny bundle.
import { FAILED_SHARD_QUEUE } from '../../src/db/queue';
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
  const [{ n }] = (await stack.api.deps.ds.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'synthbus-shard' AND state IN ('created', 'retry', 'active')`)) as { n: number }[];
  expect(n).toBe(0); // the remaining shards were drained as no-ops
});

test('an order the engine refuses fails with the reason, streamed as a FAILED event', async () => {
  // The catalog lists a model that no worker has loaded (e.g. a worker fleet was rolled back).
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  const { placeOrder } = await gqlOk(stack.url, PLACE, { i: { modelId: CATALOG_MODEL.modelId, size: 2, mix: [{ birads: 2, count: 2 }] } }, partner.key);
  const events = await collectProgress(stack.wsUrl, partner.key, placeOrder.id);
  const last = events[events.length - 1];
  expect(last).toMatchObject({ type: 'FAILED', status: 'FAILED' });
  expect(last.failureReason).toMatch(/invalid modelId: model "catalog-test-model" is not loaded/);
});

test('a shard that ran out of retries (it kept expiring) fails its order', async () => {
  const { placeOrder } = await gqlOk(stack.url, PLACE, { i: { ...fixtureInput(2), seed: 6 } }, partner.key);
  // What pg-boss does with a job whose last retry expired: copy it to the dead-letter queue.
  await stack.api.deps.boss.send(FAILED_SHARD_QUEUE, { orderId: placeOrder.id, shard: 0, start: 0, end: 2 });
  const events = await collectProgress(stack.wsUrl, partner.key, placeOrder.id);
  const last = events[events.length - 1];
  // Either the shard finished first (a race the worker may win) or the order failed with the reason.
  if (last.type === 'FAILED') expect(last.failureReason).toMatch(/shard 0 \(images 0-1\) was lost \d+ times/);
  else expect(last.type).toBe('COMPLETED');
});
