// Transport-level protections of the API: CSRF prevention, request size, depth and complexity
// limits, masked internal errors, switchable introspection, and a LISTEN connection that heals.
import { getIntrospectionQuery } from 'graphql';
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

test('every GraphQL answer, data or error, is Cache-Control: no-store (one partner\'s own data), whole, with no ETag to compute', async () => {
  const post = (query: string, key?: string) =>
    fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify({ query }) });
  for (const res of [await post('{ orders { edges { cursor } } }', stack.adminKey), await post('{ orders { edges { cursor } } }'), await post('{ nope }')]) {
    expect(res.headers.get('cache-control')).toBe('no-store');
    // Nothing is cached, so a hash of each answer (express's default ETag) would be wasted work.
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{36}$/);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(await res.text()));
  }
  // /graphql/ and a query string are the same endpoint; other paths are not.
  const slash = await fetch(`${stack.url}/?query=${encodeURIComponent('{ currentAgreement { version } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
  expect(((await slash.json()) as { data: { currentAgreement: { version: number } } }).data.currentAgreement.version).toBeGreaterThan(0);
  expect((await fetch(`${stack.url}x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status).toBe(404);
});

test('a request body above the limit gets 413 and a JSON error, not a stack trace', async () => {
  const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ currentAgreement { version } } # ${'x'.repeat(4000)}` }) });
  expect(res.status).toBe(413);
  const body = (await res.json()) as { errors: { message: string }[] };
  expect(body.errors[0].message).toBe('Request body exceeds the 2kb limit.');
  expect(JSON.stringify(body)).not.toMatch(/at .*\.js/);
});

test('queries deeper or more complex than the limits are refused before they run: HTTP 400, QUERY_TOO_DEEP / QUERY_TOO_COMPLEX', async () => {
  const deep = await gql(stack.url, `{ orders { edges { node { images { edges { node { index } } } } } } }`, {}, stack.adminKey);
  expect(deep.status).toBe(400);
  expect(deep.errors?.[0]).toMatchObject({ message: 'Query depth limit of 6 exceeded, found 7.', extensions: { code: 'QUERY_TOO_DEEP' } });
  const wide = await gql(stack.url, `{ orders(first: 100) { edges { cursor node { id status size } } } }`, {}, stack.adminKey);
  expect(wide.status).toBe(400);
  expect(wide.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
  // Without `first`, a connection counts as its default page of 20.
  const nested = await gql(stack.url, `{ orders { edges { node { images { edges { cursor } } } } } }`, {}, stack.adminKey);
  expect(nested.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
  const fine = await gql(stack.url, `{ orders(first: 10) { edges { cursor node { id status size } } } }`, {}, stack.adminKey);
  expect(fine.errors).toBeUndefined();
});

test('aliases count: 990 aliased order(id) fields are refused before any resolver runs or any audit row is written', async () => {
  const before = await gqlOk(stack.url, `{ auditLog(first: 1, filter: { action: "order.read" }) { edges { node { seq } } } }`, {}, stack.adminKey);
  const id = '00000000-0000-4000-8000-000000000000';
  const aliased = `{ ${Array.from({ length: 990 }, (_, i) => `o${i}: order(id: "${id}") { id }`).join(' ')} }`;
  const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminKey}` }, body: JSON.stringify({ query: aliased }) });
  // The body limit of this stack (2kb) refuses it first; with room for it, the alias limit does.
  expect(res.status).toBe(413);
  const roomy = await startTestStack({ config: { maxAliases: 15 } });
  try {
    const refused = await gql(roomy.url, aliased, {}, roomy.adminKey);
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]).toMatchObject({ message: 'Aliases limit of 15 exceeded, found 990.', extensions: { code: 'QUERY_TOO_COMPLEX' } });
    const none = await gqlOk(roomy.url, `{ auditLog(filter: { action: "order.read" }) { edges { node { seq } } } }`, {}, roomy.adminKey);
    expect(none.auditLog.edges).toEqual([]);
    // Within the limit, the aliased reads of one request are one query and one audit row.
    const fifteen = await gql(roomy.url, `{ ${Array.from({ length: 15 }, (_, i) => `o${i}: order(id: "${id}") { id }`).join(' ')} }`, {}, roomy.adminKey);
    expect(fifteen.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const reads = await gqlOk(roomy.url, `{ auditLog(filter: { action: "order.read" }) { edges { node { outcome targetId } } } }`, {}, roomy.adminKey);
    expect(reads.auditLog.edges).toEqual([{ node: { outcome: 'denied', targetId: id } }]);
  } finally {
    await roomy.close();
  }
  expect(before.auditLog.edges).toEqual([]);
});

test('GraphiQL\'s introspection query (depth 15) is not refused by the depth limit of 6', async () => {
  const shallow = await startTestStack({ config: { maxDepth: 6 } });
  try {
    const r = await gql(shallow.url, getIntrospectionQuery());
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
    expect(JSON.stringify(r.data)).toContain('"placeOrder"');
    // The same depth outside introspection is refused.
    const deep = await gql(shallow.url, `{ orders { edges { node { images { edges { node { index } } } } } } }`, {}, shallow.adminKey);
    expect(deep.errors?.[0].extensions?.code).toBe('QUERY_TOO_DEEP');
  } finally {
    await shallow.close();
  }
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
