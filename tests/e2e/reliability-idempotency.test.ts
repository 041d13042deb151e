// Finding 4 of issue 10: a retried placeOrder returns the first order even when the partner is at
// its concurrent-order quota — the idempotency key is looked up before the quotas are checked,
// under the same partner lock that serializes concurrent placements. No worker: orders stay QUEUED.
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestPartner, TestStack, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let partner: TestPartner;

const PLACE = `mutation($i: OrderInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id } }`;
const input = { modelId: CATALOG_MODEL.modelId, size: 4, mix: [{ birads: 3, count: 2 }, { birads: 4, count: 2 }], seed: 7 };

beforeAll(async () => {
  stack = await startTestStack({ config: { quotaDefaults: { imagesPerOrder: 50, imagesPer30Days: 1000, concurrentOrders: 3 } } });
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  partner = await createApprovedPartner(stack);
});
afterAll(() => stack.close());

test('20 concurrent retries of one order at the concurrent-order quota all get that one order', async () => {
  await gqlOk(stack.url, PLACE, { i: input, k: 'first' }, partner.key);
  await gqlOk(stack.url, PLACE, { i: input, k: 'second' }, partner.key);
  // The partner is at 2 of 3: the third order fits, and every retry of it must return it.
  const results = await Promise.all(Array.from({ length: 20 }, () => gql(stack.url, PLACE, { i: input, k: 'third' }, partner.key)));
  expect(results.map((r) => r.errors?.[0]?.extensions?.reason ?? null)).toEqual(Array(20).fill(null));
  const ids = new Set(results.map((r) => r.data?.placeOrder.id));
  expect(ids.size).toBe(1);
  // Now at the quota: a retry still gets its order, a new key is refused.
  expect((await gqlOk(stack.url, PLACE, { i: input, k: 'third' }, partner.key)).placeOrder.id).toBe([...ids][0]);
  const refused = await gql(stack.url, PLACE, { i: input, k: 'fourth' }, partner.key);
  expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', reason: 'CONCURRENT_ORDERS' });
  const [{ n }] = (await stack.api.deps.ds.query('SELECT count(*)::int AS n FROM orders WHERE partner_id = $1', [partner.partnerId])) as { n: number }[];
  expect(n).toBe(3);
});
