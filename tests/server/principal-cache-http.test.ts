// Keys' principals are cached by each API process (issue 15: the key look-up was one of the read
// path's round trips), and every way of losing access still takes effect: at once in the process
// that made the change, on its announcement in the others, and when the announcements may have
// been missed (the access channel's connection lost), nothing cached is used.
import { Client } from 'pg';
import { ApiHandle, startApi } from '../../src/server/app';
import { TestStack, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';
import { sqlDuring } from './sql-spy';

let stack: TestStack;
let owner: Client;

beforeAll(async () => {
  stack = await startTestStack();
  owner = new Client({ connectionString: stack.databaseUrl });
  await owner.connect();
});
afterAll(async () => {
  await owner.end();
  await stack.close();
});

const ME = '{ me { id } }';
const refusedCode = async (url: string, key: string) => (await gql(url, ME, {}, key)).errors?.[0]?.extensions?.code ?? null;

test("a key's requests look it up once, not each time", async () => {
  const partner = await createApprovedPartner(stack, 'Cached Lab');
  const sql = await sqlDuring(async () => {
    for (let i = 0; i < 20; i++) await gqlOk(stack.url, ME, {}, partner.key);
  });
  expect(sql.filter((q) => q.includes('FROM api_keys k')).length).toBeLessThanOrEqual(1); // was 20
});

test('a revoked key is refused at once by the API that revoked it, and by another replica on the announcement', async () => {
  const partner = await createApprovedPartner(stack, 'Revoked Lab');
  const replica: ApiHandle = await startApi({ ...stack.config, port: 0 }, stack.databaseUrl);
  try {
    await gqlOk(replica.url, ME, {}, partner.key); // cached there
    await gqlOk(stack.url, ME, {}, partner.key); // and here
    await gqlOk(stack.url, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: partner.keyId }, stack.adminKey);
    expect(await refusedCode(stack.url, partner.key)).toBe('UNAUTHENTICATED');
    let code: unknown = null;
    for (let i = 0; i < 50 && code === null; i++) {
      code = await refusedCode(replica.url, partner.key);
      if (code === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(code).toBe('UNAUTHENTICATED');
  } finally {
    await replica.close();
  }
});

test('a suspension and a reinstatement apply from the next request', async () => {
  const partner = await createApprovedPartner(stack, 'Suspended Lab');
  const orders = '{ orders(first: 1) { edges { cursor } } }';
  await gqlOk(stack.url, orders, {}, partner.key);
  await gqlOk(stack.url, `mutation($id: ID!) { suspendPartner(id: $id, reason: "audit") { status } }`, { id: partner.partnerId }, stack.adminKey);
  expect(await (await gql(stack.url, orders, {}, partner.key)).errors?.[0]?.extensions?.reason).toBe('PARTNER_SUSPENDED');
  await gqlOk(stack.url, `mutation($id: ID!) { reinstatePartner(id: $id) { status } }`, { id: partner.partnerId }, stack.adminKey);
  await gqlOk(stack.url, orders, {}, partner.key);
});

test('while the access channel is lost, no cached principal is used: a change it could not hear still applies', async () => {
  const partner = await createApprovedPartner(stack, 'Unheard Lab');
  await gqlOk(stack.url, ME, {}, partner.key); // cached
  const { rowCount } = await owner.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN synthbus_access_revoked'`);
  expect(rowCount).toBeGreaterThanOrEqual(1);
  // Revoked behind the API's back: no announcement, as if it were sent while the channel was down.
  await owner.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [partner.keyId]);
  await new Promise((r) => setTimeout(r, 50));
  expect(await refusedCode(stack.url, partner.key)).toBe('UNAUTHENTICATED');
});
