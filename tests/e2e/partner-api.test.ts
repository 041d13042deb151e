/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// What partners expect of the API, over real HTTP and WebSocket with a worker: scopes as an enum,
// totalCount on connections, the exact certificate.json, an estimate of the time left, usage.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractArchive } from '../../src/cli/extract';
import { authorized, completedOrder, downloadLink, firstModel } from '../delivery/cohort-helpers';
import { collectProgress, createApprovedPartner, gql, gqlOk, startTestStack, TestPartner, TestStack } from '../helpers/stack';

const SIZE = 4;
let stack: TestStack;
let partner: TestPartner;
let orderId: string;
let events: Record<string, unknown>[];
let dir: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: true });
  partner = await createApprovedPartner(stack, 'Partner API Clinic');
  orderId = await completedOrder(stack, partner.key, SIZE);
  events = await collectProgress(stack.wsUrl, partner.key, orderId);
  dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-partner-api-'));
});

afterAll(async () => {
  await stack?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('scopes', () => {
  it('are an enum in the API, stored as the scope strings', async () => {
    const { issueApiKey } = await gqlOk(stack.url, 'mutation { issueApiKey(name: "reader", scopes: [ORDERS_READ, ORDERS_READ]) { key { id scopes } } }', {}, partner.accountKey);
    expect(issueApiKey.key.scopes).toEqual(['ORDERS_READ']);
    const [row] = await stack.api.deps.ds.query('SELECT scopes FROM api_keys WHERE id = $1', [issueApiKey.key.id]);
    expect(row.scopes).toEqual(['orders:read']);
    const { apiKeys } = await gqlOk(stack.url, '{ apiKeys { id scopes } }', {}, partner.accountKey);
    expect(apiKeys.find((k: { id: string }) => k.id === issueApiKey.key.id).scopes).toEqual(['ORDERS_READ']);
  });

  it('refuse a free string', async () => {
    const r = await gql(stack.url, 'mutation { issueApiKey(name: "x", scopes: ["orders:read"]) { secret } }', {}, partner.accountKey);
    expect(r.errors?.[0].message).toMatch(/Scope/);
  });
});

describe('totalCount', () => {
  it('counts every order that matches the filter, not just the page', async () => {
    const other = await createApprovedPartner(stack, 'Counting Clinic');
    const { modelId, birads } = await firstModel(stack, other.key);
    for (const key of ['count-1', 'count-2']) {
      await gqlOk(stack.url, 'mutation($i: OrderInput!, $k: String) { placeOrder(input: $i, idempotencyKey: $k) { id } }', { i: { modelId, size: 1, mix: [{ birads: birads[0], count: 1 }] }, k: key }, other.key);
    }
    await gqlOk(stack.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id } }', { i: { modelId, size: 1, mix: [{ birads: birads[0], count: 1 }] } }, other.key).then(({ placeOrder }) =>
      gqlOk(stack.url, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: placeOrder.id }, other.key),
    );
    const { orders } = await gqlOk(stack.url, '{ orders(first: 1) { totalCount edges { node { id } } pageInfo { hasNextPage } } }', {}, other.key);
    expect(orders.totalCount).toBe(3);
    expect(orders.edges).toHaveLength(1);
    const cancelled = await gqlOk(stack.url, '{ orders(first: 1, filter: { status: [CANCELLED] }) { totalCount } }', {}, other.key);
    expect(cancelled.orders.totalCount).toBe(1);
  });

  it('counts the audit entries that match the filter', async () => {
    const { auditLog } = await gqlOk(stack.url, 'query($f: AuditFilterInput) { auditLog(filter: $f, first: 1) { totalCount edges { node { seq } } } }', { f: { action: 'mutation.placeOrder' } }, stack.adminKey);
    const [{ n }] = await stack.api.deps.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'mutation.placeOrder'`);
    expect(n).toBeGreaterThan(1);
    expect(auditLog.totalCount).toBe(n);
    expect(auditLog.edges).toHaveLength(1);
  });

  it("counts an order's delivered images across pages", async () => {
    const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { images(first: 1) { totalCount edges { cursor } } } }', { id: orderId }, partner.key);
    expect(order.images.totalCount).toBe(SIZE);
    expect(order.images.edges).toHaveLength(1);
  });
});

it("serves the exact certificate.json of the order's archive as Certificate.file", async () => {
  const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { certificate { file passed } } }', { id: orderId }, partner.key);
  const archive = join(dir, 'cohort.zip');
  await fs.writeFile(archive, Buffer.from(await (await fetch(await downloadLink(stack, partner.key, orderId, 'ZIP'), authorized(partner.key))).arrayBuffer()));
  await extractArchive(archive, 'zip', join(dir, 'cohort'));
  const inArchive = await fs.readFile(join(dir, 'cohort', 'certificate.json'));
  expect(order.certificate.passed).toBe(true);
  expect(Buffer.from(order.certificate.file, 'utf8').equals(inArchive)).toBe(true);
});

describe('estimatedSecondsLeft', () => {
  it('is 0 on a completed order', () => {
    expect(events).toEqual([expect.objectContaining({ type: 'SNAPSHOT', status: 'COMPLETED', estimatedSecondsLeft: 0 })]);
  });

  it('is null until an image is delivered, then a number of seconds that ends at 0', async () => {
    const { modelId, birads } = await firstModel(stack, partner.key);
    const { placeOrder } = await gqlOk(stack.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id } }', { i: { modelId, size: SIZE, mix: [{ birads: birads[0], count: SIZE }] } }, partner.key);
    const seen = await collectProgress(stack.wsUrl, partner.key, placeOrder.id);
    for (const e of seen) {
      if (e.status !== 'RUNNING' || e.delivered === 0) expect(e.estimatedSecondsLeft).toBe(e.status === 'COMPLETED' ? 0 : null);
      else expect(e.estimatedSecondsLeft).toEqual(expect.any(Number));
    }
    expect(seen.some((e) => e.type === 'IMAGE_DELIVERED' && e.delivered < SIZE && typeof e.estimatedSecondsLeft === 'number')).toBe(true);
    expect(seen[seen.length - 1]).toMatchObject({ status: 'COMPLETED', estimatedSecondsLeft: 0 });
    const { order } = await gqlOk(stack.url, 'query($id: ID!) { order(id: $id) { progress { type estimatedSecondsLeft } } }', { id: placeOrder.id }, partner.key);
    expect(order.progress).toEqual({ type: 'SNAPSHOT', estimatedSecondsLeft: 0 });
  });
});

describe('usage', () => {
  it("shows a partner's period against its quotas", async () => {
    const fresh = await createApprovedPartner(stack, 'Usage Clinic');
    const before = await gqlOk(stack.url, '{ usage { ordersPlaced imagesOrdered imagesDelivered imagesCounted imagesAvailable activeOrders ordersAvailable quotas { imagesPerOrder imagesPer30Days concurrentOrders } } }', {}, fresh.key);
    const { imagesPerOrder, imagesPer30Days, concurrentOrders } = before.usage.quotas;
    expect(before.usage).toMatchObject({ ordersPlaced: 0, imagesOrdered: 0, imagesDelivered: 0, imagesCounted: 0, activeOrders: 0, ordersAvailable: concurrentOrders, imagesAvailable: Math.min(imagesPerOrder, imagesPer30Days) });

    const { modelId, birads } = await firstModel(stack, fresh.key);
    const { placeOrder } = await gqlOk(stack.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id } }', { i: { modelId, size: 3, mix: [{ birads: birads[0], count: 3 }] } }, fresh.key);
    await gqlOk(stack.url, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: placeOrder.id }, fresh.key);
    const [{ delivered }] = await stack.api.deps.ds.query('SELECT count(*)::int AS delivered FROM order_images WHERE order_id = $1', [placeOrder.id]);
    const after = await gqlOk(stack.url, '{ usage { partnerId periodStart periodEnd ordersPlaced imagesOrdered imagesDelivered imagesCounted imagesAvailable activeOrders } }', {}, fresh.key);
    expect(after.usage).toMatchObject({ partnerId: fresh.partnerId, ordersPlaced: 1, imagesOrdered: 3, imagesDelivered: delivered, imagesCounted: delivered, activeOrders: 0 });
    expect(Date.parse(after.usage.periodEnd) - Date.parse(after.usage.periodStart)).toBe(30 * 24 * 3600 * 1000);
  });

  it("counts what was delivered, and is an admin's to read for any partner", async () => {
    const { usage } = await gqlOk(stack.url, 'query($p: ID) { usage(partnerId: $p) { imagesDelivered imagesCounted ordersPlaced } }', { p: partner.partnerId }, stack.adminKey);
    expect(usage.imagesDelivered).toBe(2 * SIZE);
    expect(usage.imagesCounted).toBe(2 * SIZE);
    const noPartner = await gql(stack.url, '{ usage { ordersPlaced } }', {}, stack.adminKey);
    expect(noPartner.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PARTNER_REQUIRED' });
    const other = await gql(stack.url, 'query($p: ID) { usage(partnerId: $p) { ordersPlaced } }', { p: partner.partnerId }, (await createApprovedPartner(stack, 'Nosy Clinic')).key);
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});

it('tells a suspended partner why its keys are refused, without asking for an approval', async () => {
  const suspended = await createApprovedPartner(stack, 'Suspended Clinic');
  await gqlOk(stack.url, 'mutation($id: ID!) { suspendPartner(id: $id, reason: "audit pending") { status } }', { id: suspended.partnerId }, stack.adminKey);
  const r = await gql(stack.url, '{ orders { totalCount } }', {}, suspended.key);
  expect(r.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_SUSPENDED' });
  expect(r.errors?.[0].message).not.toMatch(/approve/);
  const { me } = await gqlOk(stack.url, '{ me { status statusReason } }', {}, suspended.accountKey);
  expect(me).toEqual({ status: 'SUSPENDED', statusReason: 'audit pending' });
});
