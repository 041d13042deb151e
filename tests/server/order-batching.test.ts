// Listing orders with their images, certificate and progress costs a fixed number of queries and
// audit rows per request, however many orders the page holds (per-request DataLoaders).
import { chainPending } from '../../src/audit/pending';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestPartner, TestStack, createApprovedPartner, gqlOk, startTestStack } from '../helpers/stack';
import { sqlDuring } from './sql-spy';

let stack: TestStack;
let partner: TestPartner;

const LIST = `query($n: Int) { orders(first: $n) { edges { node { id
  images(first: 5) { edges { node { index } } } certificate { id } progress { delivered size } } } } }`;

async function placeOrders(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: { modelId: CATALOG_MODEL.modelId, size: 2, mix: [{ birads: 2, count: 2 }] } }, partner.key);
  }
}

async function auditSince(seq: number): Promise<{ action: string; target_id: string | null }[]> {
  await chainPending(stack.api.deps.ds); // reads wait a few ms to be chained (audit/pending.ts)
  return stack.api.deps.ds.query('SELECT action, target_id FROM audit_log WHERE seq > $1 ORDER BY seq', [seq]);
}

async function lastSeq(): Promise<number> {
  await chainPending(stack.api.deps.ds); // earlier reads' entries first
  const [{ seq }] = (await stack.api.deps.ds.query('SELECT COALESCE(max(seq), 0)::int AS seq FROM audit_log')) as { seq: number }[];
  return seq;
}

beforeAll(async () => {
  stack = await startTestStack({ config: { quotaDefaults: { imagesPerOrder: 100, imagesPer30Days: 1000, concurrentOrders: 10 } } });
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  partner = await createApprovedPartner(stack);
});
afterAll(() => stack.close());

// The audit's SQL (pending entries grouped by the moment they arrive, and the chainer's, on its own
// clock) is left out here: the next test counts the audit rows.
const AUDIT_SQL = /audit_pending|audit_log|pg_advisory_xact_lock|^(START TRANSACTION|COMMIT|ROLLBACK)/;

async function readSql(run: () => Promise<unknown>): Promise<string[]> {
  return (await sqlDuring(run)).filter((q) => !AUDIT_SQL.test(q));
}

test('a page of five orders with their fields costs the same queries as a page of one', async () => {
  await placeOrders(1);
  const one = await readSql(() => gqlOk(stack.url, LIST, { n: 1 }, partner.key));
  await placeOrders(4);
  let page: { orders: { edges: { node: { progress: { size: number } } }[] } } | undefined;
  const five = await readSql(async () => (page = await gqlOk(stack.url, LIST, { n: 5 }, partner.key)));
  expect(page?.orders.edges.map((e) => e.node.progress.size)).toEqual([2, 2, 2, 2, 2]);
  expect(five.filter((q) => /order_images/.test(q))).toHaveLength(2); // images, progress
  expect(five).toHaveLength(one.length);
});

test("the page's reads are audited in one row per kind of read, naming every order", async () => {
  const before = await lastSeq();
  const { orders } = await gqlOk(stack.url, LIST, { n: 5 }, partner.key);
  const ids: string[] = orders.edges.map((e: { node: { id: string } }) => e.node.id);
  const rows = await auditSince(before);
  expect(rows.map((r) => r.action).sort()).toEqual(['certificate.read', 'image.list', 'order.list']);
  for (const r of rows) if (r.action !== 'certificate.read') expect(r.target_id?.split(',')).toEqual(ids);
});
