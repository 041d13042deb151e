/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Finding 6 of issue 10: a storage fault (full disk, permissions, unmounted store) is retried with
// exponential backoff, and the worker says "storage unavailable, retrying" meanwhile (its status
// row carries it), instead of failing the order within seconds.
import { randomUUID } from 'node:crypto';
import type { SamplingEngine } from '../../src/domain/sampling-engine';
import { Certifier } from '../../src/privacy/certifier';
import { ContentStore, FileContentStore, StorageError } from '../../src/storage/content-store';
import { ShardDeps, runShard } from '../../src/worker/run-shard';
import { TestStack, collectProgress, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ models: true, config: { shardSize: 4 } });
});
afterAll(() => stack.close());

/** The real store, whose first `failures` puts fail as a full disk would. */
function flakyStore(failures: number, calls: number[]): ContentStore {
  const real = new FileContentStore(stack.config.storageRoot);
  return {
    put: async (bytes) => {
      calls.push(Date.now());
      if (calls.length <= failures) throw new StorageError('ENOSPC', `image store ${real.root}: cannot write …: ENOSPC (no space left on device)`);
      return real.put(bytes);
    },
    get: (sha) => real.get(sha),
    stream: (sha, range) => real.stream(sha, range),
    has: (sha) => real.has(sha),
    delete: (sha) => real.delete(sha),
  };
}

/** Places an order as a new partner; returns its id and the partner's key. */
async function placeOrder(seed: number): Promise<{ orderId: string; key: string }> {
  const model = stack.engine!.models()[0];
  const partner = await createApprovedPartner(stack, `Clinic ${seed}`);
  const input = { modelId: model.modelId, size: 4, mix: [{ birads: model.classes[0].birads, count: 4 }], seed, steps: model.minSteps };
  const orderId = (await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key)).placeOrder.id as string;
  return { orderId, key: partner.key };
}

function deps(store: ContentStore, notices: (string | null)[], giveUpAfterMs: number): ShardDeps {
  const engine = stack.engine as SamplingEngine;
  return {
    ds: stack.api.deps.ds,
    engine,
    certify: (input) => Certifier.open({ dataDir: stack.config.dataDir }, engine).certify(input),
    store,
    batchSize: 2,
    workerId: `test-${randomUUID()}`,
    log: () => undefined,
    storageRetry: { firstDelayMs: 50, maxDelayMs: 400, giveUpAfterMs },
    onStorageFault: (n) => notices.push(n),
  };
}

test('a full disk for three attempts: retried 50, 100, 200 ms apart, announced, then the shard completes', async () => {
  const { orderId, key } = await placeOrder(1);
  const calls: number[] = [];
  const notices: (string | null)[] = [];
  let subscribed: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => (subscribed = resolve));
  const events = collectProgress(stack.wsUrl, key, orderId, () => subscribed());
  await listening;
  expect(await runShard(deps(flakyStore(3, calls), notices, 60_000), { orderId, shard: 0, start: 0, end: 4 }, new AbortController().signal)).toBe(true);
  const gaps = calls.slice(1, 4).map((t, i) => t - calls[i]);
  // Node's timers run on the event loop's millisecond clock: a wait of d can read d - 1 on Date.now.
  expect(gaps[0]).toBeGreaterThanOrEqual(50 - 1);
  expect(gaps[1]).toBeGreaterThanOrEqual(100 - 1);
  expect(gaps[2]).toBeGreaterThanOrEqual(200 - 1);
  expect(notices.slice(0, 3)).toEqual(Array(3).fill(expect.stringMatching(/^storage unavailable, retrying: .*ENOSPC \(no space left on device\)/)));
  expect(notices[3]).toBeNull(); // cleared once a write went through
  const [{ n }] = (await stack.api.deps.ds.query('SELECT count(*)::int AS n FROM order_images WHERE order_id = $1', [orderId])) as { n: number }[];
  expect(n).toBe(4);
  // Subscribers heard the stall once, with its cause, and deliveries after it.
  const heard = await events;
  const stalls = heard.filter((e) => e.type === 'STALLED');
  expect(stalls).toHaveLength(1);
  expect(stalls[0].stalledBecause).toMatch(/^storage unavailable, retrying: .*ENOSPC \(no space left on device\)/);
  expect(heard.slice(heard.indexOf(stalls[0])).some((e) => e.type === 'IMAGE_DELIVERED')).toBe(true);
});

test('a fault that outlasts the retry window fails this run with the cause (the queue retries the shard later)', async () => {
  const { orderId } = await placeOrder(2);
  const calls: number[] = [];
  const run = runShard(deps(flakyStore(Infinity, calls), [], 300), { orderId, shard: 0, start: 0, end: 4 }, new AbortController().signal);
  await expect(run).rejects.toMatchObject({ name: 'StorageError', code: 'ENOSPC' });
  expect(calls.length).toBeGreaterThan(1);
});
