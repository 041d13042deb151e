/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Finding 3 of issue 10: a shard's lease lasts as long as its worker heartbeats. A shard that runs
// for several leases on a healthy worker is never taken away or failed; the reaper requeues only
// shards whose worker went silent (tests/e2e/reliability-lease.test.ts kills one with SIGKILL).
import type { SamplingEngine } from '../../src/domain/sampling-engine';
import { WorkerHandle, startWorker } from '../../src/worker/worker';
import { settledShards } from '../helpers/shards';
import { TestStack, collectProgress, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

const LEASE_SECONDS = 2;
const BATCH_DELAY_MS = 1500;
let stack: TestStack;
let worker: WorkerHandle;
const logged: string[] = [];

beforeAll(async () => {
  // Heartbeat every second, lease 2 s; each one-image batch takes 1.5 s more than it would, so
  // one shard of 4 images runs for over 3 leases.
  stack = await startTestStack({ models: true, config: { heartbeatSeconds: 1, leaseSeconds: LEASE_SECONDS } });
  const engine = stack.engine as SamplingEngine;
  const slow: SamplingEngine = {
    provider: engine.provider,
    models: () => engine.models(),
    certificateModel: (id) => engine.certificateModel(id),
    generate: async (params, items, onRejected, signal) => {
      await new Promise((r) => setTimeout(r, BATCH_DELAY_MS));
      return engine.generate(params, items, onRejected, signal);
    },
    close: () => engine.close(),
  };
  worker = await startWorker({ ...stack.config, shardSize: 4, batchSize: 1, heartbeatSeconds: 1, leaseSeconds: LEASE_SECONDS }, stack.databaseUrl, (l) => logged.push(l), slow);
});
afterAll(async () => {
  await worker.close();
  await stack.close();
});

test('a healthy shard running for several leases is never taken away or failed', async () => {
  const partner = await createApprovedPartner(stack);
  const model = stack.engine!.models()[0];
  const [a, b] = model.classes.map((c) => c.birads);
  const input = { modelId: model.modelId, size: 4, mix: [{ birads: a, count: 2 }, { birads: b, count: 2 }], seed: 987654321, steps: model.minSteps };
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);
  const startedAt = Date.now();
  const events = await collectProgress(stack.wsUrl, partner.key, placeOrder.id);
  const ranSeconds = (Date.now() - startedAt) / 1000;
  expect(ranSeconds).toBeGreaterThan(3 * LEASE_SECONDS); // the premise: it outlived several leases
  expect(events[events.length - 1]).toMatchObject({ type: 'COMPLETED', delivered: 4 });
  const shards = await settledShards((sql, params) => stack.api.deps.ds.query(sql, params), placeOrder.id);
  expect(shards).toEqual([{ state: 'DONE', failures: 0, last_error: null }]);
  const makers = (await stack.api.deps.ds.query('SELECT DISTINCT delivered_by FROM order_images WHERE order_id = $1', [placeOrder.id])) as { delivered_by: string }[];
  expect(makers).toEqual([{ delivered_by: worker.id }]);
  expect(logged.filter((l) => /lease lapsed/.test(l))).toEqual([]);
});
