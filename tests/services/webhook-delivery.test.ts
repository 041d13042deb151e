/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The webhook queue's guarantees against a real PostgreSQL and real HTTP: a delivery exists exactly
// when its order event committed, and one that keeps failing stops after the configured attempts
// with every attempt recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import { publishOrderEvent } from '../../src/services/order-events';
import { TestPartner, TestStack, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;
let partner: TestPartner;
let server: http.Server;
let receiverUrl: string;

beforeAll(async () => {
  stack = await startTestStack({ models: true, config: { webhooks: { ...loadConfig({}).webhooks, allowLoopbackHttp: true, maxAttempts: 2 } } });
  partner = await createApprovedPartner(stack);
  server = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(500).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/always-500`;
});
afterAll(async () => {
  await stack?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function register(url: string, events?: string[]): Promise<string> {
  const r = await gqlOk(stack.url, 'mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { webhook { id } } }', { i: { url, events } }, partner.key);
  return r.registerWebhook.webhook.id;
}

async function placeOrder(): Promise<string> {
  const { models } = await gqlOk(stack.url, '{ models { modelId classes { birads } } }');
  const input = { modelId: models[0].modelId, size: 2, mix: [{ birads: models[0].classes[0].birads, fraction: 1 }] };
  return (await gqlOk(stack.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id } }', { i: input }, partner.key)).placeOrder.id;
}

async function deliveries(webhookId: string) {
  const r = await gqlOk(stack.url, 'query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { event orderId state attemptCount nextAttemptAt finishedAt attempts { statusCode error } } } } }', { id: webhookId }, partner.key);
  return r.webhookDeliveries.edges.map((e: { node: unknown }) => e.node);
}

async function until(ready: () => Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((r) => setTimeout(r, 200));
}

test('a delivery exists exactly when its event committed, and only for subscribed events', async () => {
  const all = await register('http://127.0.0.1:9/unused');
  const completedOnly = await register('http://127.0.0.1:9/unused-too', ['COMPLETED']);
  const orderId = await placeOrder();
  const ds = stack.api.deps.ds;
  const count = async (webhookId: string, event: string) =>
    ((await ds.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND order_id = $2 AND event = $3', [webhookId, orderId, event])) as { n: number }[])[0].n;
  expect([await count(all, 'QUEUED'), await count(completedOnly, 'QUEUED')]).toEqual([1, 0]);

  // An event whose transaction rolls back (a crash before commit) leaves no delivery behind.
  await expect(
    ds.transaction(async (m) => {
      await publishOrderEvent(m, orderId, 'CANCELLED');
      throw new Error('crash before commit');
    }),
  ).rejects.toThrow('crash before commit');
  expect(await count(all, 'CANCELLED')).toBe(0);
  // Published outside a transaction (as a worker announces a stall), the event gets one of its own.
  await publishOrderEvent(ds, orderId, 'STALLED', { stalledBecause: 'storage unavailable' });
  expect(await count(all, 'STALLED')).toBe(1);
  // Progress events that are not state changes reach no webhook.
  await publishOrderEvent(ds, orderId, 'IMAGE_DELIVERED', { index: 0, birads: 3, nnDistance: 0.5 });
  expect(await count(all, 'IMAGE_DELIVERED')).toBe(0);
  // A suspended partner is sent nothing new.
  await gqlOk(stack.url, 'mutation($id: ID!) { suspendPartner(id: $id, reason: "audit") { status } }', { id: partner.partnerId }, stack.adminKey);
  await publishOrderEvent(ds, orderId, 'STALLED', { stalledBecause: 'still unavailable' });
  expect(await count(all, 'STALLED')).toBe(1);
  await gqlOk(stack.url, 'mutation($id: ID!) { reinstatePartner(id: $id) { status } }', { id: partner.partnerId }, stack.adminKey);
  await publishOrderEvent(ds, orderId, 'STALLED', { stalledBecause: 'unavailable again' });
  expect(await count(all, 'STALLED')).toBe(2);
  await gqlOk(stack.url, 'mutation($id: ID!) { deleteWebhook(id: $id) { id } }', { id: all }, partner.key);
  await gqlOk(stack.url, 'mutation($id: ID!) { deleteWebhook(id: $id) { id } }', { id: completedOnly }, partner.key);
});

test('a delivery that keeps failing stops after the configured attempts, each attempt recorded', async () => {
  const failing = await register(receiverUrl, ['QUEUED']);
  const unreachable = await register('http://127.0.0.1:9/nobody-listens', ['QUEUED']);
  const orderId = await placeOrder();
  await until(async () => (await deliveries(failing))[0]?.state === 'FAILED' && (await deliveries(unreachable))[0]?.state === 'FAILED');
  expect(await deliveries(failing)).toEqual([{ event: 'QUEUED', orderId, state: 'FAILED', attemptCount: 2, nextAttemptAt: null, finishedAt: expect.any(String), attempts: [{ statusCode: 500, error: null }, { statusCode: 500, error: null }] }]);
  // Paging: a cursor must be one of this webhook's deliveries.
  const firstPage = await gqlOk(stack.url, 'query($id: ID!) { webhookDeliveries(webhookId: $id, first: 1) { pageInfo { endCursor } } }', { id: failing }, partner.key);
  const foreign = await gql(stack.url, 'query($id: ID!, $after: String) { webhookDeliveries(webhookId: $id, after: $after) { totalCount } }', { id: unreachable, after: firstPage.webhookDeliveries.pageInfo.endCursor }, partner.key);
  expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CURSOR_INVALID', field: 'after' });
  const madeUp = await gql(stack.url, 'query($id: ID!) { webhookDeliveries(webhookId: $id, after: "nonsense") { totalCount } }', { id: failing }, partner.key);
  expect(madeUp.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CURSOR_INVALID', field: 'after' });
  const [gone] = await deliveries(unreachable);
  expect(gone).toMatchObject({ state: 'FAILED', attemptCount: 2 });
  expect(gone.attempts).toEqual([{ statusCode: null, error: expect.stringContaining('ECONNREFUSED') }, { statusCode: null, error: expect.stringContaining('ECONNREFUSED') }]);
});
