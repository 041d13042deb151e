// Issue 11, findings 6 and 7: malformed inputs are refused with a coded BAD_USER_INPUT naming the
// field (never a masked internal error), and refused reads of another partner's order are
// audited, over HTTP and WebSocket.
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestPartner, TestStack, collectProgress, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let partner: TestPartner;
let orderId: string;

const APPLY = `mutation($i: ApplyInput!) { apply(input: $i) { partner { id name } } }`;
const application = (over: Record<string, string>) => ({ i: { name: 'Clinic', institution: 'Clinic Research', contactEmail: 'research@example.org', purpose: 'Testing.', ...over } });
const PLACE = `mutation($i: OrderInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id } }`;
const ORDER_INPUT = { modelId: CATALOG_MODEL.modelId, size: 1, mix: [{ birads: 2, count: 1 }] };

beforeAll(async () => {
  stack = await startTestStack({ config: { rateLimits: { perKeyPerMinute: 10_000, anonymousPerMinute: 10_000, failedAuthPerMinute: 10_000 } } });
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  partner = await createApprovedPartner(stack);
  orderId = (await gqlOk(stack.url, PLACE, { i: ORDER_INPUT, k: 'first' }, partner.key)).placeOrder.id;
});
afterAll(() => stack.close());

async function auditRows(filter: Record<string, string>): Promise<{ actor: string; outcome: string; targetId: string; detail: Record<string, unknown> }[]> {
  const r = await gqlOk(stack.url, `query($f: AuditFilterInput) { auditLog(filter: $f, first: 100) { edges { node { actor outcome targetId detail } } } }`, { f: filter }, stack.adminKey);
  return r.auditLog.edges.map((e: { node: unknown }) => e.node);
}

test.each([
  ['a NUL byte', 'Bad\u0000Name', 'CONTROL_CHARACTER'],
  ['an escape character', 'Bad\u001b[31mName', 'CONTROL_CHARACTER'],
  ['a C1 control', 'Bad\u0085Name', 'CONTROL_CHARACTER'],
  ['an unpaired surrogate', 'Bad\ud800Name', 'INVALID_UNICODE'],
])('%s in a partner name is refused naming the field, and the refusal is audited', async (_what, name, reason) => {
  const r = await gql(stack.url, APPLY, application({ name }));
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason, field: 'input.name' });
  const denied = await auditRows({ action: 'mutation.apply', outcome: 'denied' });
  expect(denied.some((e) => e.detail.reason === reason)).toBe(true);
});

test('a NUL byte in an idempotency key is refused naming the field', async () => {
  const r = await gql(stack.url, PLACE, { i: ORDER_INPUT, k: 'key\u0000' }, partner.key);
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CONTROL_CHARACTER', field: 'idempotencyKey' });
});

test('e-mail addresses are checked by a real validator', async () => {
  for (const contactEmail of ['"><svg>@b.co', 'a@b', 'a b@example.org', 'research@[127.0.0.1]']) {
    const r = await gql(stack.url, APPLY, application({ contactEmail }));
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EMAIL_INVALID', field: 'input.contactEmail' });
  }
  expect((await gql(stack.url, APPLY, application({ contactEmail: 'jane.doe+bus@radiology.example.org' }))).errors).toBeUndefined();
});

test('lengths count characters (code points): 200 emoji are a valid 200-character name, 201 are not', async () => {
  const ok = await gql(stack.url, APPLY, application({ name: '🩻'.repeat(200) }));
  expect(ok.errors).toBeUndefined();
  const long = await gql(stack.url, APPLY, application({ name: '🩻'.repeat(201) }));
  expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_LONG', field: 'input.name' });
});

test('out-of-range and forged cursors are CURSOR_INVALID, not internal errors', async () => {
  const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  for (const after of [cursor([2 ** 31]), cursor([1e20]), cursor([-5]), cursor(['1'])]) {
    const r = await gql(stack.url, `query($id: ID!, $a: String) { order(id: $id) { images(after: $a) { edges { cursor } } } }`, { id: orderId, a: after }, partner.key);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CURSOR_INVALID' });
  }
  for (const after of [cursor(['+275760-09-13T00:00:00.000Z', orderId]), cursor(['-271821-04-20T00:00:00.000Z', orderId]), cursor(['2026-01-01', orderId])]) {
    const r = await gql(stack.url, `query($a: String) { orders(after: $a) { edges { cursor } } }`, { a: after }, partner.key);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CURSOR_INVALID' });
  }
});

test("refused reads and subscriptions of another partner's order are audited", async () => {
  const other = await createApprovedPartner(stack, 'Prying Clinic');
  const r = await gql(stack.url, `query($id: ID!) { order(id: $id) { id } }`, { id: orderId }, other.key);
  expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  await expect(collectProgress(stack.wsUrl, other.key, orderId)).rejects.toThrow(/No order with id/);
  const denied = (await auditRows({ action: 'order.read', outcome: 'denied', targetId: orderId })).filter((e) => e.actor === `partner:${other.partnerId}`);
  expect(denied).toHaveLength(2);
  expect(denied[0].detail).toEqual({ reason: 'ORDER_NOT_FOUND' });
});

test('an idempotent replay of placeOrder is audited as a replay, not as a second order', async () => {
  const again = await gqlOk(stack.url, PLACE, { i: ORDER_INPUT, k: 'first' }, partner.key);
  expect(again.placeOrder.id).toBe(orderId);
  const placed = await auditRows({ action: 'mutation.placeOrder', targetId: orderId });
  const replays = await auditRows({ action: 'mutation.placeOrder.replay', targetId: orderId });
  expect(placed).toHaveLength(1);
  expect(replays).toHaveLength(1);
  expect(replays[0]).toMatchObject({ actor: `partner:${partner.partnerId}`, outcome: 'ok', detail: { replay: true } });
});
