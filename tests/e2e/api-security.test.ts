// Transport-level protections of the API: CSRF prevention, request size, depth and complexity
// limits, masked internal errors, switchable introspection, and a LISTEN connection that heals.
import { Client } from 'pg';
import { maskError } from '../../src/server/app';
import { publishOrderEvent } from '../../src/services/order-events';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { TestStack, collectProgress, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ config: { maxDepth: 6, maxComplexity: 300, bodyLimit: '2kb' } });
});
afterAll(() => stack.close());

test('CSRF prevention: a simple GET without a preflight header is refused; with one it runs', async () => {
  const plain = await fetch(`${stack.url}?query=${encodeURIComponent('{ currentAgreement { version } }')}`);
  expect(plain.status).toBe(400);
  expect(await plain.text()).toMatch(/CSRF/);
  const ok = await fetch(`${stack.url}?query=${encodeURIComponent('{ currentAgreement { version } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
  expect(ok.status).toBe(200);
});

test('a request body above the limit gets 413 and a JSON error, not a stack trace', async () => {
  const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ currentAgreement { version } } # ${'x'.repeat(4000)}` }) });
  expect(res.status).toBe(413);
  const body = (await res.json()) as { errors: { message: string }[] };
  expect(body.errors[0].message).toBe('Request body exceeds the 2kb limit.');
  expect(JSON.stringify(body)).not.toMatch(/at .*\.js/);
});

test('queries deeper or more complex than the limits are refused before they run', async () => {
  const deep = await gql(stack.url, `{ orders { edges { node { images { edges { node { index } } } } } } }`, {}, stack.adminKey);
  expect(deep.errors?.[0]).toMatchObject({ message: 'Query depth 7 exceeds the limit of 6.', extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' } });
  const wide = await gql(stack.url, `{ orders(first: 100) { edges { cursor node { id status size } } } }`, {}, stack.adminKey);
  expect(wide.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' });
  // Without `first`, a connection counts as its default page of 20.
  const nested = await gql(stack.url, `{ orders { edges { node { images { edges { cursor } } } } } }`, {}, stack.adminKey);
  expect(nested.errors?.[0].extensions).toMatchObject({ reason: 'QUERY_TOO_COMPLEX' });
  const fine = await gql(stack.url, `{ orders(first: 10) { edges { cursor node { id status size } } } }`, {}, stack.adminKey);
  expect(fine.errors).toBeUndefined();
});

test('introspection is on by default and can be switched off', async () => {
  const on = await gql(stack.url, `{ __schema { queryType { name } } }`);
  expect(on.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  const closed = await startTestStack({ config: { introspection: false } });
  try {
    const off = await gql(closed.url, `{ __schema { queryType { name } } }`);
    expect(off.errors?.[0].message).toMatch(/introspection/i);
  } finally {
    await closed.close();
  }
});

test('the LISTEN connection reconnects after it is killed, and subscribers get the state they missed', async () => {
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
  const partner = await createApprovedPartner(stack);
  const { placeOrder } = await gqlOk(
    stack.url,
    `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`,
    { i: { modelId: CATALOG_MODEL.modelId, size: 1, mix: [{ birads: 2, count: 1 }] } },
    partner.key,
  );
  const seen: string[] = [];
  let sawSnapshot!: () => void;
  const first = new Promise<void>((r) => (sawSnapshot = r));
  const done = collectProgress(stack.wsUrl, partner.key, placeOrder.id, (e) => {
    seen.push(`${e.type}:${e.status}`);
    sawSnapshot();
  });
  await first;
  const pid = await stack.api.deps.hub.backendPid();
  const admin = new Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  // While the hub is disconnected the order is cancelled; its NOTIFY is lost to this process.
  await admin.query(`UPDATE orders SET status = 'CANCELLED', finished_at = now() WHERE id = $1`, [placeOrder.id]);
  await admin.end();
  await done;
  expect(seen[0]).toBe('SNAPSHOT:QUEUED');
  expect(seen[seen.length - 1]).toBe('SNAPSHOT:CANCELLED');
  expect(await stack.api.deps.hub.backendPid()).not.toBe(pid);
  // And it hears NOTIFY again.
  const again = await gqlOk(
    stack.url,
    `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`,
    { i: { modelId: CATALOG_MODEL.modelId, size: 1, mix: [{ birads: 3, count: 1 }] } },
    partner.key,
  );
  const events: string[] = [];
  const stream = collectProgress(stack.wsUrl, partner.key, again.placeOrder.id, (e) => {
    events.push(e.type);
    if (e.type === 'SNAPSHOT') void stack.api.deps.ds.transaction(async (m) => {
      await m.query(`UPDATE orders SET status = 'FAILED', failure_reason = 'test' WHERE id = $1`, [again.placeOrder.id]);
      await publishOrderEvent(m, again.placeOrder.id, 'FAILED');
    });
  });
  const evs = await stream;
  expect(events).toEqual(['SNAPSHOT', 'FAILED']);
  expect(evs[1].failureReason).toBe('test');
});

test('outside development an unexpected error reaches the client as a generic message; known codes pass', () => {
  const logged: string[] = [];
  const boom = new Error('relation "secret_table" does not exist');
  const formatted = { message: boom.message, path: ['orders'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['Error: relation …', '    at Query.orders (src/resolvers/order.ts:1:1)'] } };
  expect(maskError(false, (l) => logged.push(l))(formatted, boom)).toEqual({
    message: 'Internal server error; the incident was logged.',
    path: ['orders'],
    locations: undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
  expect(logged[0]).toContain('relation "secret_table" does not exist');
  expect(maskError(true, () => undefined)(formatted, boom)).toBe(formatted);
  const known = { message: 'No order with id "x" exists for you.', extensions: { code: 'NOT_FOUND' } };
  expect(maskError(false, () => undefined)(known, new Error())).toBe(known);
});
