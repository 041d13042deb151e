/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Finding 5 of issue 10: one bundle makes a cohort. A shard records the bundle its order was
// placed against; a worker whose bundle has the same model id but another hash, or that lacks the
// model, leaves it queued (it neither fails the order nor makes a single image), and a worker with
// that bundle makes the whole cohort.
import type { SamplingEngine } from '../../src/domain/sampling-engine';
import { WorkerHandle, startWorker } from '../../src/worker/worker';
import { TestStack, collectProgress, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  stack = await startTestStack({ models: true, config: { shardSize: 4, batchSize: 1 } });
});
afterAll(async () => {
  for (const w of workers) await w.close();
  await stack.close();
});

/** The stack's engine for one more worker (which must not close it), announcing `bundleHash` if given. */
function sharedEngine(engine: SamplingEngine, bundleHash?: string): SamplingEngine {
  return {
    provider: engine.provider,
    models: () => engine.models().map((m) => ({ ...m, bundleHash: bundleHash ?? m.bundleHash })),
    certificateModel: (id) => engine.certificateModel(id),
    generate: (...args) => engine.generate(...args),
    close: async () => undefined,
  };
}

test('a worker with another bundle of the model leaves the shard; the bundle the order names makes it all', async () => {
  const engine = stack.engine as SamplingEngine;
  const model = engine.models()[0];
  const partner = await createApprovedPartner(stack);
  const [a, b] = model.classes.map((c) => c.birads);
  const input = { modelId: model.modelId, size: 8, mix: [{ birads: a, count: 4 }, { birads: b, count: 4 }], seed: 987654321, steps: model.minSteps };
  // Placed while the catalog lists the real bundle (registered by the stack).
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  const [{ bundle_hash }] = (await stack.api.deps.ds.query('SELECT DISTINCT bundle_hash FROM shard_jobs WHERE order_id = $1', [placeOrder.id])) as { bundle_hash: string }[];
  expect(bundle_hash).toBe(model.bundleHash);

  const config = { ...stack.config, shardSize: 4, batchSize: 1 };
  const other = await startWorker(config, stack.databaseUrl, () => undefined, sharedEngine(engine, 'f'.repeat(64))  /* a retrained bundle, say */);
  workers.push(other);
  await new Promise((r) => setTimeout(r, 3000)); // several polls: it must claim nothing
  const waiting = (await stack.api.deps.ds.query('SELECT state, worker_id, failures FROM shard_jobs WHERE order_id = $1', [placeOrder.id])) as unknown[];
  expect(waiting).toEqual(Array(2).fill({ state: 'QUEUED', worker_id: null, failures: 0 }));
  expect((await gqlOk(stack.url, `query($id: ID!) { order(id: $id) { status } }`, { id: placeOrder.id }, partner.key)).order.status).toBe('QUEUED');

  const right = await startWorker(config, stack.databaseUrl, () => undefined, sharedEngine(engine));
  workers.push(right);
  const events = await collectProgress(stack.wsUrl, partner.key, placeOrder.id);
  expect(events[events.length - 1]).toMatchObject({ type: 'COMPLETED', delivered: 8 });
  const makers = (await stack.api.deps.ds.query('SELECT DISTINCT delivered_by FROM order_images WHERE order_id = $1', [placeOrder.id])) as { delivered_by: string }[];
  expect(makers).toEqual([{ delivered_by: right.id }]);
  // The certificate names the bundle the order was placed against.
  const [cert] = (await stack.api.deps.ds.query('SELECT payload FROM certificates WHERE order_id = $1', [placeOrder.id])) as { payload: string }[];
  expect((JSON.parse(cert.payload) as { model: { bundleHash: string } }).model.bundleHash).toBe(model.bundleHash);
});
