// Removing a deleted cohort's bytes races a worker recording an image with the same hash in
// another order (generation is deterministic): both take the hash's lock (db/blob-locks.ts), so a
// recording that holds it when the deletion looks is waited for and keeps the bytes; a retry of
// the deleted order is refused, and an order still running cannot lose its cohort.
import { Client } from 'pg';
import { lockBlob } from '../../src/db/blob-locks';
import { CohortDeletionReason } from '../../src/domain/cohort-retention';
import { deleteCohort } from '../../src/services/cohort-deletion';
import { registerModels } from '../../src/services/models';
import { FileContentStore } from '../../src/storage/content-store';
import * as lifecycle from '../../src/services/order-lifecycle';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let owner: Client;
let store: FileContentStore;
const SYSTEM = { actor: 'system' };

beforeAll(async () => {
  stack = await startTestStack();
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  owner = new Client({ connectionString: stack.databaseUrl });
  await owner.connect();
  store = new FileContentStore(stack.config.storageRoot);
});
afterAll(async () => {
  await owner.end();
  await stack.close();
});

async function placeOrder(): Promise<string> {
  const partner = await createApprovedPartner(stack, `Clinic ${Math.random()}`);
  const input = { modelId: CATALOG_MODEL.modelId, size: 1, mix: [{ birads: CATALOG_MODEL.classes[0].birads, count: 1 }] };
  return (await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key)).placeOrder.id;
}

const IMAGE_ROW = `INSERT INTO order_images (order_id, idx, birads, sha256, seed, attempt, nn_distance, rejections, record, delivered_by)
                   VALUES ($1, 0, 2, $2, '1', 0, 0.5, 0, '{}', 'test')`;

/** An order that ended (COMPLETED) filing `sha` as its image 0. */
async function endedOrderFiling(sha: string): Promise<string> {
  const id = await placeOrder();
  await owner.query(`UPDATE orders SET status = 'COMPLETED', started_at = now(), finished_at = now() WHERE id = $1`, [id]);
  await owner.query(IMAGE_ROW, [id, sha]);
  return id;
}

async function waitingForAdvisoryLock(): Promise<boolean> {
  const [{ n }] = (await owner.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows;
  return n > 0;
}

test('a recording that holds the hash lock when the deletion looks keeps the bytes', async () => {
  const sha = await store.put(Buffer.from('bytes two orders file'));
  const deleted = await endedOrderFiling(sha);
  const running = await placeOrder();
  await owner.query(`UPDATE orders SET status = 'RUNNING', started_at = now() WHERE id = $1`, [running]);

  // A worker mid-record (run-shard's transaction): the lock taken, its row inserted, not committed.
  const worker = stack.api.deps.ds.createQueryRunner();
  await worker.connect();
  await worker.startTransaction();
  await lockBlob(worker.manager, sha);
  await worker.query(IMAGE_ROW, [running, sha]);

  let settled = false;
  const deletion = deleteCohort({ ds: stack.api.deps.ds, store }, deleted, CohortDeletionReason.PARTNER_DELETED, SYSTEM).finally(() => (settled = true));
  while (!settled && !(await waitingForAdvisoryLock())) await new Promise((r) => setTimeout(r, 20));
  expect(settled).toBe(false); // the deletion waits for the recording: nothing removed yet
  expect(await store.has(sha)).toBe(true);
  await worker.commitTransaction();
  await worker.release();

  expect(await deletion).toMatchObject({ orderId: deleted, reason: 'PARTNER_DELETED', imagesRemoved: 0, imagesKept: 1 });
  expect(await store.has(sha)).toBe(true);
});

test('bytes only deleted orders file are removed; deleting twice keeps the first deletion', async () => {
  const sha = await store.put(Buffer.from('bytes of one order'));
  const id = await endedOrderFiling(sha);
  const first = await deleteCohort({ ds: stack.api.deps.ds, store }, id, CohortDeletionReason.EXPIRED, SYSTEM);
  expect(first).toMatchObject({ reason: 'EXPIRED', deletedBy: 'system', imagesRemoved: 1, imagesKept: 0 });
  expect(await store.has(sha)).toBe(false);
  expect(await deleteCohort({ ds: stack.api.deps.ds, store }, id, CohortDeletionReason.PARTNER_DELETED, { actor: 'partner:x' })).toEqual(first);
});

test('a deleted cohort is never made again: retry is a CONFLICT naming the deletion', async () => {
  const id = await placeOrder();
  await lifecycle.fail(stack.api.deps.ds, id, 'storage unavailable');
  await deleteCohort({ ds: stack.api.deps.ds, store }, id, CohortDeletionReason.PARTNER_DELETED, SYSTEM);
  await expect(lifecycle.retry(stack.api.deps.ds, id)).rejects.toMatchObject({ extensions: { code: 'CONFLICT', reason: 'COHORT_DELETED' } });
});

test('the sweeper leaves an order that ended after the cut-off, and one still running', async () => {
  const id = await placeOrder();
  await expect(lifecycle.markCohortDeleted(stack.api.deps.ds, id, CohortDeletionReason.EXPIRED, 'system', new Date())).resolves.toBeNull();
  await expect(lifecycle.markCohortDeleted(stack.api.deps.ds, id, CohortDeletionReason.PARTNER_DELETED, 'system')).rejects.toMatchObject({ extensions: { code: 'CONFLICT', reason: 'ORDER_ACTIVE' } });
  await lifecycle.cancel(stack.api.deps.ds, id);
  // Ended just now, after a cut-off a minute ago: not expired.
  await expect(lifecycle.markCohortDeleted(stack.api.deps.ds, id, CohortDeletionReason.EXPIRED, 'system', new Date(Date.now() - 60_000))).resolves.toBeNull();
  expect((await lifecycle.cohortDeletions(stack.api.deps.ds, [id])).size).toBe(0);
});
