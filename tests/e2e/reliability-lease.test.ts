/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Finding 3 of issue 10, with the default lease (15 s, heartbeat every 3 s): a worker process
// killed with SIGKILL mid-shard stops heartbeating; the reaper (here the API's) hands its shard
// back and a replacement worker resumes it within 30 s, with no expiry to tune. The order then
// completes with every index recorded once.
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { startWorkerProcess } from '../helpers/start-process';
import { TestStack, collectProgress, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
const children: ChildProcess[] = [];

/** With the default lease and heartbeat. */
function startWorker(): ChildProcess {
  const child = startWorkerProcess(stack);
  children.push(child);
  return child;
}

beforeAll(async () => {
  // The API in this process runs a reaper with the defaults too.
  stack = await startTestStack({ models: true, config: { shardSize: 4, heartbeatSeconds: 3, leaseSeconds: 15 } });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stack.close();
});

async function shardOf(workerId: string): Promise<string | null> {
  const rows = (await stack.api.deps.ds.query(`SELECT id FROM shard_jobs WHERE worker_id = $1 AND state = 'ACTIVE'`, [workerId])) as { id: string }[];
  return rows[0]?.id ?? null;
}

test('kill -9 of a worker mid-shard: its shard resumes on another worker within 30 s', async () => {
  const model = stack.engine!.models()[0];
  const partner = await createApprovedPartner(stack);
  const [a, b] = model.classes.map((c) => c.birads);
  const size = 12;
  const input = { modelId: model.modelId, size, mix: [{ birads: a, count: 5 }, { birads: b, count: 7 }], seed: 987654321, steps: model.minSteps };
  const victim = startWorker();
  const victimId = `${os.hostname()}:${victim.pid}`;
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key);

  let killed: Promise<{ at: number; shard: string | null }> | null = null;
  const heard: { index: number; at: number }[] = [];
  const events = await collectProgress(stack.wsUrl, partner.key, placeOrder.id, (e) => {
    if (e.type === 'IMAGE_DELIVERED') heard.push({ index: e.index, at: Date.now() });
    if (!killed && e.delivered >= 2) {
      killed = (async () => {
        const shard = await shardOf(victimId);
        victim.kill('SIGKILL');
        const at = Date.now();
        startWorker(); // its replacement, started at once (it cannot know the old one's shard)
        return { at, shard };
      })();
    }
  });
  expect(killed).not.toBeNull();
  const { at, shard } = await (killed as unknown as Promise<{ at: number; shard: string | null }>);
  expect(shard).not.toBeNull();
  expect(events[events.length - 1]).toMatchObject({ type: 'COMPLETED', delivered: size });
  const rows = (await stack.api.deps.ds.query('SELECT idx, delivered_by FROM order_images WHERE order_id = $1 ORDER BY idx', [placeOrder.id])) as { idx: number; delivered_by: string }[];
  expect(rows.map((r) => r.idx)).toEqual([...Array(size).keys()]);
  // The lost shard's images the victim did not make: made after the kill, by the replacement.
  const [lost] = (await stack.api.deps.ds.query('SELECT first_index, end_index FROM shard_jobs WHERE id = $1', [shard])) as { first_index: number; end_index: number }[];
  const redone = rows.filter((r) => r.idx >= lost.first_index && r.idx < lost.end_index && r.delivered_by !== victimId).map((r) => r.idx);
  expect(redone.length).toBeGreaterThan(0);
  const resumedAt = Math.min(...heard.filter((h) => redone.includes(h.index)).map((h) => h.at));
  const seconds = (resumedAt - at) / 1000;
  process.stdout.write(`lease: the killed worker's shard resumed ${seconds.toFixed(1)} s after SIGKILL (lease 15 s, heartbeat 3 s)\n`);
  expect(seconds).toBeLessThan(30);
});
