// Every order state change goes through services/order-lifecycle: each is a guarded transition
// with exactly one event, and none moves an order that has ended.
import { Client } from 'pg';
import { asAppRole } from '../../src/db/roles';
import { ORDER_EVENTS_CHANNEL } from '../../src/services/order-events';
import * as lifecycle from '../../src/services/order-lifecycle';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let listener: Client;
const events: { orderId: string; type: string; status: string; failureReason: string | null }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  listener = new Client({ connectionString: asAppRole(stack.databaseUrl) });
  await listener.connect();
  listener.on('notification', (msg) => events.push(JSON.parse(msg.payload as string)));
  await listener.query(`LISTEN ${ORDER_EVENTS_CHANNEL}`);
});
afterAll(async () => {
  await listener.end();
  await stack.close();
});

async function placeOrder(): Promise<string> {
  const partner = await createApprovedPartner(stack, `Lifecycle ${events.length}`);
  const input = { modelId: CATALOG_MODEL.modelId, size: 3, mix: [{ birads: CATALOG_MODEL.classes[0].birads, count: 3 }] };
  return (await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: input }, partner.key)).placeOrder.id;
}

async function row(orderId: string): Promise<{ status: string; failure_reason: string | null; started_at: Date | null }> {
  const [r] = await stack.api.deps.ds.query('SELECT status, failure_reason, started_at FROM orders WHERE id = $1', [orderId]);
  return r;
}

const eventsOf = async (orderId: string) => {
  await new Promise((r) => setTimeout(r, 200)); // NOTIFY arrives after the commit
  return events.filter((e) => e.orderId === orderId).map((e) => e.type);
};

test('start moves QUEUED to RUNNING once, with one STARTED event', async () => {
  const id = await placeOrder();
  await lifecycle.start(stack.api.deps.ds, id);
  const first = (await row(id)).started_at;
  await lifecycle.start(stack.api.deps.ds, id);
  expect(await row(id)).toMatchObject({ status: 'RUNNING', started_at: first });
  expect(await eventsOf(id)).toEqual(['QUEUED', 'STARTED']);
});

test('fail ends an active order with its reason; an ended order keeps its first ending', async () => {
  const id = await placeOrder();
  await lifecycle.start(stack.api.deps.ds, id);
  await lifecycle.fail(stack.api.deps.ds, id, 'shard 0 failed: disk on fire');
  await lifecycle.fail(stack.api.deps.ds, id, 'a second, later reason');
  expect(await row(id)).toMatchObject({ status: 'FAILED', failure_reason: 'shard 0 failed: disk on fire' });
  await expect(lifecycle.cancel(stack.api.deps.ds, id)).rejects.toMatchObject({ extensions: { code: 'CONFLICT', reason: 'ORDER_FINISHED' }, message: expect.stringContaining('already failed') });
  expect(await eventsOf(id)).toEqual(['QUEUED', 'STARTED', 'FAILED']);
});

test('cancel ends a queued order once; finishing a cancelled order does nothing', async () => {
  const id = await placeOrder();
  expect((await lifecycle.cancel(stack.api.deps.ds, id)).status).toBe('CANCELLED');
  await expect(lifecycle.cancel(stack.api.deps.ds, id)).rejects.toMatchObject({ extensions: { reason: 'ORDER_FINISHED' } });
  await lifecycle.start(stack.api.deps.ds, id);
  await lifecycle.finishIfComplete(stack.api.deps.ds, id, () => {
    throw new Error('must not certify a cancelled order');
  });
  expect((await row(id)).status).toBe('CANCELLED');
  expect(await eventsOf(id)).toEqual(['QUEUED', 'CANCELLED']);
});

// bench/fleet.ts found a shard's end holding the order row FOR UPDATE, which every image INSERT's
// foreign-key check (FOR KEY SHARE on that row) waited for: 34 ms per shard end at 8 workers.
test('finishIfComplete locks out other finishers but not the image inserts of other shards', async () => {
  const id = await placeOrder();
  await lifecycle.start(stack.api.deps.ds, id);
  const holder = stack.api.deps.ds.createQueryRunner();
  await holder.connect();
  const other = new Client({ connectionString: asAppRole(stack.databaseUrl) });
  await other.connect();
  try {
    await holder.startTransaction();
    await lifecycle.finishIfComplete(holder.manager, id, () => {
      throw new Error('not complete: never certified');
    });
    // Its lock is held to the end of the transaction. NOWAIT: refused at once instead of waiting.
    await expect(other.query('SELECT 1 FROM orders WHERE id = $1 FOR KEY SHARE NOWAIT', [id])).resolves.toMatchObject({ rowCount: 1 });
    await expect(other.query('SELECT 1 FROM orders WHERE id = $1 FOR NO KEY UPDATE NOWAIT', [id])).rejects.toMatchObject({ code: '55P03' });
  } finally {
    await holder.rollbackTransaction().catch(() => undefined);
    await holder.release();
    await other.end();
  }
});

test('finishIfComplete waits for every image before certifying', async () => {
  const id = await placeOrder();
  await lifecycle.start(stack.api.deps.ds, id);
  let certified = 0;
  await lifecycle.finishIfComplete(stack.api.deps.ds, id, () => {
    certified++;
    throw new Error('not yet');
  });
  expect(certified).toBe(0);
  expect((await row(id)).status).toBe('RUNNING');
});
