// Every bad input gets its own code, reason and a message naming the problem — over real HTTP
// and WebSocket. No worker runs here: accepted orders stay QUEUED.
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { ORDER_FIELDS, TestPartner, TestStack, collectProgress, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let alice: TestPartner;
let bob: TestPartner;

const PLACE = `mutation($i: OrderInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { ${ORDER_FIELDS} } }`;
const QUOTE = `query($i: OrderInput!) { quote(input: $i) { counts { birads count } steps guidance shards quotas { imagesPerOrder } } }`;
const input = (over: Record<string, unknown> = {}) => ({
  modelId: CATALOG_MODEL.modelId,
  size: 10,
  mix: [{ birads: 3, fraction: 0.4 }, { birads: 4, fraction: 0.3 }, { birads: 5, fraction: 0.3 }],
  seed: 42,
  ...over,
});

beforeAll(async () => {
  stack = await startTestStack({ config: { quotaDefaults: { imagesPerOrder: 50, imagesPer30Days: 100, concurrentOrders: 3 } } });
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  alice = await createApprovedPartner(stack, 'Alice Clinic');
  bob = await createApprovedPartner(stack, 'Bob Institute');
});
afterAll(() => stack.close());

async function expectError(query: string, variables: Record<string, unknown>, key: string | null, code: string, reason: string, field?: string, message?: RegExp) {
  const r = await gql(stack.url, query, variables, key);
  expect(r.errors).toHaveLength(1);
  const e = r.errors![0];
  expect(e.extensions).toMatchObject({ code, reason, ...(field ? { field } : {}) });
  if (message) expect(e.message).toMatch(message);
  return e;
}

describe('bad order input', () => {
  test.each([
    ['a mix that does not sum to 1', { mix: [{ birads: 3, fraction: 0.5 }, { birads: 4, fraction: 0.4 }] }, 'MIX_SUM_NOT_ONE', 'input.mix', /sum to 0\.9; they must sum to 1/],
    ['an unknown category', { mix: [{ birads: 3, fraction: 0.5 }, { birads: 7, fraction: 0.5 }] }, 'UNKNOWN_CATEGORY', 'input.mix[1].birads', /BI-RADS 7 is not a category/],
    ['an unsupported category', { mix: [{ birads: 1, fraction: 1 }] }, 'UNSUPPORTED_CATEGORY', 'input.mix[0].birads', /not trained on BI-RADS 1; it supports 2, 3, 4, 5/],
    ['size 0', { size: 0 }, 'SIZE_TOO_SMALL', 'input.size', /size must be a positive integer, got 0/],
    ['a negative seed', { seed: -1 }, 'SEED_NEGATIVE', 'input.seed', /seed must not be negative, got -1/],
    ['steps below the range', { steps: 1 }, 'STEPS_OUT_OF_RANGE', 'input.steps', /steps must be an integer from 2 to 50 .* got 1/],
    ['steps above the range', { steps: 51 }, 'STEPS_OUT_OF_RANGE', 'input.steps', /got 51/],
    ['guidance out of range', { guidance: 9.5 }, 'GUIDANCE_OUT_OF_RANGE', 'input.guidance', /guidance must be from 1 to 8 .* got 9\.5/],
    ['counts that do not sum to the size', { mix: [{ birads: 2, count: 3 }, { birads: 3, count: 3 }] }, 'MIX_COUNTS_NOT_SIZE', 'input.mix', /sum to 6; they must sum to size \(10\)/],
    ['an entry with both fraction and count', { mix: [{ birads: 2, count: 10, fraction: 1 }] }, 'MIX_ENTRY_AMBIGUOUS', 'input.mix[0]', /exactly one of fraction or count/],
    ['an unknown model', { modelId: 'nope' }, 'UNKNOWN_MODEL', 'input.modelId', /No model "nope"/],
  ])('%s', async (_name, over, reason, field, message) => {
    await expectError(PLACE, { i: input(over) }, alice.key, 'BAD_USER_INPUT', reason, field, message);
    await expectError(QUOTE, { i: input(over) }, alice.key, 'BAD_USER_INPUT', reason, field, message);
  });

  test('a size above the quota', async () => {
    await expectError(PLACE, { i: input({ size: 51 }) }, alice.key, 'QUOTA_EXCEEDED', 'IMAGES_PER_ORDER', 'input.size', /size 51 is above your quota of 50 images per order/);
  });
});

describe('orders that exist or not', () => {
  let order: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response shape
  beforeAll(async () => {
    order = (await gqlOk(stack.url, PLACE, { i: input(), k: 'alice-1' }, alice.key)).placeOrder;
  });

  test('an accepted order is apportioned exactly and queued', () => {
    expect(order).toMatchObject({ status: 'QUEUED', size: 10, seed: 42, steps: 20, guidance: 2 });
    expect(order.counts).toEqual([{ birads: 3, count: 4 }, { birads: 4, count: 3 }, { birads: 5, count: 3 }]);
  });

  test('a retried mutation with the same idempotency key returns the same order; other parameters conflict', async () => {
    const again = (await gqlOk(stack.url, PLACE, { i: input(), k: 'alice-1' }, alice.key)).placeOrder;
    expect(again.id).toBe(order.id);
    const parallel = await Promise.all([1, 2, 3].map(() => gqlOk(stack.url, PLACE, { i: input({ size: 4 }), k: 'alice-2' }, alice.key)));
    expect(new Set(parallel.map((p) => p.placeOrder.id)).size).toBe(1);
    await expectError(PLACE, { i: input({ seed: 43 }), k: 'alice-1' }, alice.key, 'CONFLICT', 'IDEMPOTENCY_KEY_REUSED', 'idempotencyKey', /already used for a different order/);
  });

  test('an unknown order id is NOT_FOUND', async () => {
    await expectError(`query($id: ID!) { order(id: $id) { id } }`, { id: '00000000-0000-4000-8000-000000000000' }, alice.key, 'NOT_FOUND', 'ORDER_NOT_FOUND', undefined, /No order with id/);
    await expectError(`query($id: ID!) { order(id: $id) { id } }`, { id: 'not-a-uuid' }, alice.key, 'NOT_FOUND', 'ORDER_NOT_FOUND');
  });

  test("another partner's order id is NOT_FOUND everywhere, exactly like an unknown one", async () => {
    const e = await expectError(`query($id: ID!) { order(id: $id) { id } }`, { id: order.id }, bob.key, 'NOT_FOUND', 'ORDER_NOT_FOUND');
    expect(e.message).toBe(`No order with id "${order.id}" exists for you.`);
    await expectError(`mutation($id: ID!) { cancelOrder(id: $id) { id } }`, { id: order.id }, bob.key, 'NOT_FOUND', 'ORDER_NOT_FOUND');
    const bobs = await gqlOk(stack.url, `{ orders { edges { node { id } } } }`, {}, bob.key);
    expect(bobs.orders.edges).toEqual([]);
    await expect(collectProgress(stack.wsUrl, bob.key, order.id)).rejects.toThrow(`No order with id "${order.id}" exists for you.`);
  });

  test('a subscription without a key is refused at connection', async () => {
    await expect(collectProgress(stack.wsUrl, 'sbk_wrong', order.id)).rejects.toBeDefined();
  });

  test('orders page with cursors and filters', async () => {
    const p1 = await gqlOk(stack.url, `{ orders(first: 1) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`, {}, alice.key);
    expect(p1.orders.edges).toHaveLength(1);
    expect(p1.orders.pageInfo.hasNextPage).toBe(true);
    const p2 = await gqlOk(stack.url, `query($a: String) { orders(first: 10, after: $a) { edges { node { id } } pageInfo { hasNextPage } } }`, { a: p1.orders.pageInfo.endCursor }, alice.key);
    const ids = [p1.orders.edges[0].node.id, ...p2.orders.edges.map((e: { node: { id: string } }) => e.node.id)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(order.id);
    expect(p2.orders.pageInfo.hasNextPage).toBe(false);
    const none = await gqlOk(stack.url, `{ orders(filter: { status: [COMPLETED] }) { edges { node { id } } } }`, {}, alice.key);
    expect(none.orders.edges).toEqual([]);
    await expectError(`{ orders(first: 101) { edges { cursor } } }`, {}, alice.key, 'BAD_USER_INPUT', 'PAGE_SIZE_INVALID', 'first');
    await expectError(`{ orders(after: "garbage") { edges { cursor } } }`, {}, alice.key, 'BAD_USER_INPUT', 'CURSOR_INVALID', 'after');
  });

  test('cancel stops a queued order, and a second cancel conflicts', async () => {
    const o = (await gqlOk(stack.url, PLACE, { i: input({ size: 2, mix: [{ birads: 2, count: 2 }] }) }, alice.key)).placeOrder;
    const c = await gqlOk(stack.url, `mutation($id: ID!) { cancelOrder(id: $id) { status } }`, { id: o.id }, alice.key);
    expect(c.cancelOrder.status).toBe('CANCELLED');
    await expectError(`mutation($id: ID!) { cancelOrder(id: $id) { status } }`, { id: o.id }, alice.key, 'CONFLICT', 'ORDER_FINISHED', undefined, /already cancelled/);
    const events = await collectProgress(stack.wsUrl, alice.key, o.id);
    expect(events).toEqual([expect.objectContaining({ type: 'SNAPSHOT', status: 'CANCELLED' })]);
  });
});

describe('authentication and the agreement', () => {
  test('no key', async () => {
    await expectError(PLACE, { i: input() }, null, 'UNAUTHENTICATED', 'NO_API_KEY', undefined, /Send an API key/);
  });

  test('a revoked key', async () => {
    const issued = await gqlOk(stack.url, `mutation { issueApiKey(name: "temp", scopes: [ORDERS_READ]) { secret key { id } } }`, {}, alice.accountKey);
    await gqlOk(stack.url, `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: issued.issueApiKey.key.id }, alice.accountKey);
    const r = await gql(stack.url, `{ orders { edges { cursor } } }`, {}, issued.issueApiKey.secret);
    expect(r.status).toBe(401);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOKED_API_KEY' });
    expect(r.errors?.[0].message).toMatch(/This API key was revoked on/);
  });

  test('a key without the scope, and a partner key on an admin operation', async () => {
    await expectError(PLACE, { i: input() }, alice.accountKey, 'FORBIDDEN', 'MISSING_SCOPE', undefined, /lacks the "orders:write" scope/);
    await expectError(`mutation($id: ID!) { approvePartner(id: $id) { id } }`, { id: bob.partnerId }, alice.key, 'FORBIDDEN', 'ADMIN_ONLY');
  });

  test('an outdated agreement blocks ordering until the new version is accepted', async () => {
    const v2 = await gqlOk(stack.url, `mutation { publishAgreement(text: "Version 2: also no commercial use of the synthetic images.") { version } }`, {}, stack.adminKey);
    expect(v2.publishAgreement.version).toBe(2);
    await expectError(PLACE, { i: input({ size: 1, mix: [{ birads: 2, count: 1 }] }) }, bob.key, 'FORBIDDEN', 'AGREEMENT_OUTDATED', undefined, /accepted version 1 .* version 2 is current/);
    await expectError(`mutation { acceptAgreement(version: 1) { agreementVersion } }`, {}, bob.accountKey, 'BAD_USER_INPUT', 'AGREEMENT_VERSION_NOT_CURRENT', 'version', /accept version 2/);
    await gqlOk(stack.url, `mutation { acceptAgreement(version: 2) { agreementVersion } }`, {}, bob.accountKey);
    const ok = await gqlOk(stack.url, PLACE, { i: input({ size: 1, mix: [{ birads: 2, count: 1 }] }) }, bob.key);
    expect(ok.placeOrder.status).toBe('QUEUED');
  });

  test('a pending partner cannot order; a suspended one is refused until reinstated', async () => {
    const applied = await gqlOk(stack.url, `mutation { apply(input: { name: "Carol", institution: "C", contactEmail: "c@example.org", purpose: "p" }) { partner { id status } secret } }`);
    expect(applied.apply.partner.status).toBe('PENDING');
    await expectError(`mutation { issueApiKey(name: "x", scopes: [ORDERS_WRITE]) { secret } }`, {}, applied.apply.secret, 'FORBIDDEN', 'PARTNER_PENDING');
    await gqlOk(stack.url, `mutation($id: ID!) { suspendPartner(id: $id, reason: "audit pending") { status } }`, { id: bob.partnerId }, stack.adminKey);
    await expectError(QUOTE, { i: input() }, bob.key, 'FORBIDDEN', 'PARTNER_SUSPENDED');
    await expectError(`mutation($id: ID!) { approvePartner(id: $id) { status } }`, { id: bob.partnerId }, stack.adminKey, 'CONFLICT', 'PARTNER_STATE', undefined, /Cannot approve a partner that is suspended/);
    await gqlOk(stack.url, `mutation($id: ID!) { reinstatePartner(id: $id) { status } }`, { id: bob.partnerId }, stack.adminKey);
    await gqlOk(stack.url, QUOTE, { i: input() }, bob.key);
  });

  test('bad application input names the field', async () => {
    await expectError(`mutation { apply(input: { name: "D", institution: "D", contactEmail: "not-an-email", purpose: "p" }) { secret } }`, {}, null, 'BAD_USER_INPUT', 'EMAIL_INVALID', 'input.contactEmail');
  });
});

describe('quotas', () => {
  test('a quote shows the apportioned counts; concurrent and 30-day quotas are enforced', async () => {
    const q = await gqlOk(stack.url, QUOTE, { i: input({ size: 7 }) }, alice.key);
    const { currentAgreement } = await gqlOk(stack.url, `{ currentAgreement { version } }`);
    await gqlOk(stack.url, `mutation($v: Int!) { acceptAgreement(version: $v) { agreementVersion } }`, { v: currentAgreement.version }, alice.accountKey);
    expect(q.quote).toMatchObject({ counts: [{ birads: 3, count: 3 }, { birads: 4, count: 2 }, { birads: 5, count: 2 }], steps: 20, guidance: 2, shards: 2 });
    await gqlOk(stack.url, `mutation($id: ID!) { setPartnerQuotas(id: $id, quotas: { concurrentOrders: 1 }) { quotas { concurrentOrders } } }`, { id: alice.partnerId }, stack.adminKey);
    await expectError(PLACE, { i: input() }, alice.key, 'QUOTA_EXCEEDED', 'CONCURRENT_ORDERS', undefined, /already have \d+ orders in progress/);
    await gqlOk(stack.url, `mutation($id: ID!) { setPartnerQuotas(id: $id, quotas: { concurrentOrders: 10, imagesPer30Days: 20 }) { id } }`, { id: alice.partnerId }, stack.adminKey);
    await expectError(PLACE, { i: input({ size: 11 }) }, alice.key, 'QUOTA_EXCEEDED', 'IMAGES_PER_30_DAYS', 'input.size', /quota of 20 images per 30 days/);
  });
});
