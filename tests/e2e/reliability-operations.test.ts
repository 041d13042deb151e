/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Findings 6 and 7 of issue 10, as an operator sees them through the API (admins only): a worker
// whose bundle does not load says so in `workers`; an order no live worker can make is listed by
// `ordersWaitingForWorkers`, and its partner reads why on the order (`stalledBecause`, also for a
// store being retried); an order failed by infrastructure is queued again by `retryOrder` and
// completes once a worker is back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forgetWorker, heartbeat } from '../../src/db/leases';
import { claimShard, requeueShard } from '../../src/db/shard-queue';
import { FIXTURE_BUNDLE_DIR } from '../../src/generation/bundle';
import * as lifecycle from '../../src/services/order-lifecycle';
import { WorkerHandle, startWorker } from '../../src/worker/worker';
import { TestPartner, TestStack, collectProgress, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let partner: TestPartner;
let worker: WorkerHandle | null = null;
const corrupt = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-corrupt-bundle-'));

beforeAll(async () => {
  stack = await startTestStack({ models: true, config: { shardSize: 4 } });
  partner = await createApprovedPartner(stack);
});
afterAll(async () => {
  await worker?.close();
  await stack.close();
  fs.rmSync(corrupt, { recursive: true, force: true });
});

/** What the partner reads on its order. */
async function stalledBecause(orderId: string): Promise<string | null> {
  return (await gqlOk(stack.url, `query($id: ID!) { order(id: $id) { stalledBecause } }`, { id: orderId }, partner.key)).order.stalledBecause as string | null;
}

async function placeOrder(seed: number): Promise<string> {
  const model = stack.engine!.models()[0];
  const [a, b] = model.classes.map((c) => c.birads);
  const input = { modelId: model.modelId, size: 8, mix: [{ birads: a, count: 4 }, { birads: b, count: 4 }], seed, steps: model.minSteps };
  return (await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key)).placeOrder.id as string;
}

test('a worker whose bundle does not load says so in `workers`', async () => {
  fs.cpSync(FIXTURE_BUNDLE_DIR, corrupt, { recursive: true });
  fs.writeFileSync(path.join(corrupt, 'manifest.json'), '{ "truncated":');
  await expect(startWorker({ ...stack.config, bundleDirs: [corrupt] }, stack.databaseUrl, () => undefined)).rejects.toThrow();
  const { workers } = await gqlOk(stack.url, `{ workers { id status detail models { modelId } runningShards } }`, {}, stack.adminKey);
  expect(workers).toEqual([expect.objectContaining({ status: 'FAILED', detail: expect.stringMatching(/^cannot load its model bundle: .+/), models: [], runningShards: 0 })]);
  const refused = await gql(stack.url, `{ workers { id } }`, {}, partner.key);
  expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

test('an order no live worker can make is reported; an order failed by infrastructure is retried and completes', async () => {
  const waitingId = await placeOrder(987654321);
  const model = stack.engine!.models()[0];
  const { ordersWaitingForWorkers } = await gqlOk(stack.url, `{ ordersWaitingForWorkers(olderThanSeconds: 0) { orderId modelId bundleHash status reason } }`, {}, stack.adminKey);
  expect(ordersWaitingForWorkers).toEqual([
    { orderId: waitingId, modelId: model.modelId, bundleHash: model.bundleHash, status: 'QUEUED', reason: `waiting for a worker with model ${model.modelId} (bundle ${model.bundleHash.slice(0, 12)}): no live worker has it` },
  ]);
  expect((await gqlOk(stack.url, `{ ordersWaitingForWorkers { orderId } }`, {}, stack.adminKey)).ordersWaitingForWorkers).toEqual([]); // not 5 minutes old yet
  expect(await stalledBecause(waitingId)).toBe(`waiting for a worker with model ${model.modelId}`);

  // A worker holding it whose store is failing: the partner reads that it is retrying.
  const bundle = { modelId: model.modelId, bundleHash: model.bundleHash };
  await heartbeat(stack.api.deps.ds, { id: 'ghost', status: 'READY', detail: 'storage unavailable, retrying: image store /x: cannot write: ENOSPC', models: [bundle], running: [] });
  const claimed = await claimShard(stack.api.deps.ds, 'ghost', [bundle]);
  expect(await stalledBecause(waitingId)).toBe('storage unavailable, retrying');
  await requeueShard(stack.api.deps.ds, claimed!.id, 'ghost', 0, null);
  await forgetWorker(stack.api.deps.ds, 'ghost');

  // Failed meanwhile for want of storage (as the worker does once its retries run out).
  await lifecycle.fail(stack.api.deps.ds, waitingId, 'shard 0 (images 0-3) failed 6 times, last: image store: cannot write: ENOSPC (no space left on device)');
  const RETRY = `mutation($id: ID!) { retryOrder(id: $id) { id status failureReason } }`;
  expect((await gql(stack.url, RETRY, { id: waitingId }, partner.key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect((await gqlOk(stack.url, RETRY, { id: waitingId }, stack.adminKey)).retryOrder).toEqual({ id: waitingId, status: 'QUEUED', failureReason: null });
  const shards = (await stack.api.deps.ds.query('SELECT state, failures FROM shard_jobs WHERE order_id = $1', [waitingId])) as unknown[];
  expect(shards).toEqual(Array(2).fill({ state: 'QUEUED', failures: 0 }));

  worker = await startWorker(stack.config, stack.databaseUrl, () => undefined, stack.engine);
  const events = await collectProgress(stack.wsUrl, partner.key, waitingId);
  expect(events[events.length - 1]).toMatchObject({ type: 'COMPLETED', delivered: 8 });
  const again = await gql(stack.url, RETRY, { id: waitingId }, stack.adminKey);
  expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORDER_CERTIFIED' });
  const { workers } = await gqlOk(stack.url, `{ workers { id status alive models { bundleHash } } }`, {}, stack.adminKey);
  expect(workers[0]).toEqual({ id: worker.id, status: 'READY', alive: true, models: [{ bundleHash: model.bundleHash }] });
  expect((await gqlOk(stack.url, `{ ordersWaitingForWorkers(olderThanSeconds: 0) { orderId } }`, {}, stack.adminKey)).ordersWaitingForWorkers).toEqual([]);
  expect(await stalledBecause(waitingId)).toBeNull();
});
