// Issue 11, finding 1 and the WebSocket half of finding 2: every operation of a socket is
// authorized again; a revoked key or a suspended partner loses its open sockets within a second,
// a running subscription ending with an error the client reads; introspection and errors over
// WebSocket follow the same rules as over HTTP.
import { Client as PgClient } from 'pg';
import { registerModels } from '../../src/services/models';
import { CATALOG_MODEL } from '../helpers/model-summary';
import { execute, follow, openSocket } from '../helpers/socket';
import { TestPartner, TestStack, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await registerModels(stack.api.deps.ds, [CATALOG_MODEL]);
});
afterAll(() => stack.close());

async function placeOrder(partner: TestPartner): Promise<string> {
  const r = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { id } }`, { i: { modelId: CATALOG_MODEL.modelId, size: 1, mix: [{ birads: 2, count: 1 }] } }, partner.key);
  return r.placeOrder.id as string;
}

test('revokeApiKey closes the key\'s open socket within a second; its running subscription ends with REVOKED_API_KEY', async () => {
  const partner = await createApprovedPartner(stack, 'Revoked Hospital');
  const orderId = await placeOrder(partner);
  const socket = openSocket(stack.wsUrl, partner.key);
  expect((await execute(socket, '{ orders { edges { node { id } } } }')).data).toBeTruthy();
  const progress = follow(socket, orderId);
  await progress.snapshot;

  const t0 = performance.now();
  await gqlOk(stack.url, `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: partner.keyId }, partner.accountKey);
  const [ended, closed] = await Promise.all([progress.ended, socket.closed]);
  const revokeToClose = closed.at - t0;
  process.stdout.write(`revokeApiKey → subscription error ${(ended.at - t0).toFixed(0)} ms, socket closed ${revokeToClose.toFixed(0)} ms\n`);
  expect(ended.error?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOKED_API_KEY' });
  expect(closed.code).toBe(4403);
  expect(revokeToClose).toBeLessThan(1000);
  expect(progress.events).toEqual(['SNAPSHOT']);
  await socket.client.dispose();
});

test('suspendPartner closes every socket of the partner; a running subscription ends with PARTNER_SUSPENDED', async () => {
  const partner = await createApprovedPartner(stack, 'Suspended Hospital');
  const other = await createApprovedPartner(stack, 'Bystander Hospital');
  const orderId = await placeOrder(partner);
  const socket = openSocket(stack.wsUrl, partner.key);
  const account = openSocket(stack.wsUrl, partner.accountKey);
  const bystander = openSocket(stack.wsUrl, other.key);
  const progress = follow(socket, orderId);
  await progress.snapshot;
  expect((await execute(account, '{ me { id } }')).data).toBeTruthy();

  const t0 = performance.now();
  await gqlOk(stack.url, `mutation($id: ID!) { suspendPartner(id: $id, reason: "tests") { status } }`, { id: partner.partnerId }, stack.adminKey);
  const [ended, closed, closedAccount] = await Promise.all([progress.ended, socket.closed, account.closed]);
  expect(ended.error?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_SUSPENDED' });
  expect(closed.at - t0).toBeLessThan(1000);
  expect(closedAccount.code).toBe(4403);
  // Another partner's socket is untouched.
  expect((await execute(bystander, '{ orders { edges { node { id } } } }')).data).toBeTruthy();
  await Promise.all([socket.client.dispose(), account.client.dispose(), bystander.client.dispose()]);
});

test('each operation re-checks the key: a key revoked behind the API\'s back (no NOTIFY) is refused once its cached principal expires (10 s)', async () => {
  const partner = await createApprovedPartner(stack, 'Quiet Revocation');
  const socket = openSocket(stack.wsUrl, partner.key);
  expect((await execute(socket, '{ orders { edges { node { id } } } }')).data).toBeTruthy();
  const owner = new PgClient({ connectionString: stack.databaseUrl });
  await owner.connect();
  await owner.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [partner.keyId]);
  await owner.end();
  // The API (in this process) answers from its cache until then: server/principal-cache.ts.
  const realNow = Date.now.bind(Date);
  const later = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 10_001);
  const refused = await execute(socket, '{ orders { edges { node { id } } } }').finally(() => later.mockRestore());
  expect(refused.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOKED_API_KEY' });
  expect((await socket.closed).code).toBe(4403);
});

test('over WebSocket a syntax or validation error is a coded error message, never "Internal server error"', async () => {
  const socket = openSocket(stack.wsUrl, null);
  const syntax = await execute(socket, '{ currentAgreement { version }');
  expect(syntax.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  const invalid = await execute(socket, '{ currentAgreement { nope } }');
  expect(invalid.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  expect(invalid.errors?.[0].message).toMatch(/Cannot query field "nope"/);
  expect(JSON.stringify([syntax, invalid])).not.toMatch(/Internal server error/);
  await socket.client.dispose();
});

test('SYNTHBUS_INTROSPECTION=false holds on both transports, and "Did you mean" no longer names fields', async () => {
  const closed = await startTestStack({ config: { introspection: false } });
  try {
    const socket = openSocket(closed.wsUrl, null);
    const ws = await execute(socket, '{ __schema { queryType { name } } }');
    expect(ws.data).toBeUndefined();
    expect(ws.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(ws.errors?.[0].message).toMatch(/introspection/i);
    const wsTypo = await execute(socket, '{ currentAgreemen { version } }');
    expect(wsTypo.errors?.[0].message).not.toMatch(/Did you mean/);
    await socket.client.dispose();
    const http = await gql(closed.url, '{ currentAgreemen { version } }');
    expect(http.status).toBe(400);
    expect(http.errors?.[0].message).toBe('Cannot query field "currentAgreemen" on type "Query".');
  } finally {
    await closed.close();
  }
  // With introspection on, the hint stays: it helps people exploring the API.
  const open_ = await gql(stack.url, '{ currentAgreemen { version } }');
  expect(open_.errors?.[0].message).toMatch(/Did you mean "currentAgreement"\?/);
});

test('a revocation missed while the LISTEN connection was down is applied once it reconnects', async () => {
  const partner = await createApprovedPartner(stack, 'Missed Revocation');
  const socket = openSocket(stack.wsUrl, partner.key);
  expect((await execute(socket, '{ me { id } }')).data).toBeTruthy();
  const owner = new PgClient({ connectionString: stack.databaseUrl });
  await owner.connect();
  try {
    const { rows } = await owner.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN synthbus_access_revoked'`);
    expect(rows).toHaveLength(1);
    await owner.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await owner.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [partner.keyId]);
  } finally {
    await owner.end();
  }
  const t0 = performance.now();
  const closed = await socket.closed;
  expect(closed.code).toBe(4403);
  expect(closed.at - t0).toBeLessThan(5000);
});
