/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// A cancelled order's running shard stops through an abort signal raised by the order's CANCELLED
// event (the worker's LISTEN hub), within one engine call, not by the worker polling the order.
import type { SamplingEngine } from '../../src/domain/sampling-engine';
import { startWorker, WorkerHandle } from '../../src/worker/worker';
import { TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let worker: WorkerHandle;
const signals: (AbortSignal | undefined)[] = [];

beforeAll(async () => {
  stack = await startTestStack({ models: true });
  const engine = stack.engine as SamplingEngine;
  // The engine as the worker sees it, noting the signal of every call.
  const watched: SamplingEngine = {
    provider: engine.provider,
    models: () => engine.models(),
    certificateModel: (id) => engine.certificateModel(id),
    // 100 ms more per call: the 64 calls outlast the cancel (seen in CI on a quiet machine: the
    // shard made every image before the cancel arrived, so no call was left to abort).
    generate: async (params, items, onRejected, signal) => {
      signals.push(signal);
      await new Promise((r) => setTimeout(r, 100));
      return engine.generate(params, items, onRejected, signal);
    },
    close: () => engine.close(),
  };
  // One shard of the whole order, one image per engine call.
  worker = await startWorker({ ...stack.config, shardSize: 64, batchSize: 1 }, stack.databaseUrl, () => undefined, watched);
});
afterAll(async () => {
  await worker.close();
  await stack.close();
});

async function imageCount(orderId: string): Promise<number> {
  const [r] = (await stack.api.deps.ds.query('SELECT count(*)::int AS n FROM order_images WHERE order_id = $1', [orderId])) as { n: number }[];
  return r.n;
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('cancelling mid-shard aborts the running shard through its signal', async () => {
  const partner = await createApprovedPartner(stack);
  const model = stack.engine!.models()[0];
  const input = { modelId: model.modelId, size: 64, mix: [{ birads: model.classes[0].birads, count: 64 }], seed: 11, steps: model.minSteps };
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  await until('the first images', async () => (await imageCount(placeOrder.id)) >= 2);
  await gqlOk(stack.url, `mutation($id: ID!) { cancelOrder(id: $id) { status } }`, { id: placeOrder.id }, partner.key);

  const signal = signals[signals.length - 1];
  expect(signal).toBeDefined();
  await until('the shard signal to abort', () => signal?.aborted === true, 5_000);
  expect(String((signal?.reason as Error).message)).toBe(`order ${placeOrder.id} is cancelled`);
  // No engine call starts after the abort, and the cohort stays short of its size.
  const calls = signals.length;
  const images = await imageCount(placeOrder.id);
  await new Promise((r) => setTimeout(r, 1_000));
  expect(signals.length).toBe(calls);
  expect(await imageCount(placeOrder.id)).toBe(images);
  expect(images).toBeLessThan(64);
});
