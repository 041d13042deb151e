/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Webhooks end to end over real HTTP: a partner registers a local receiver, places an order with
// the worker running, and receives its state changes as signed JSON. The receiver verifies every
// signature with the shipped function, answers 500 to the first STARTED delivery (which is retried
// and then delivered, both status codes visible in webhookDeliveries), dedupes on the delivery id,
// and refuses replays and tampering. Another partner sees none of it; the secret is shown once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, WebhookSignatureError, verifyWebhookSignature } from '../../src/domain/webhook-signature';
import { TestPartner, TestStack, createApprovedPartner, gql, gqlOk, startTestStack } from '../helpers/stack';

interface Received {
  url: string;
  deliveryId: string;
  event: string;
  signature: string;
  body: string;
  answered: number;
}

/** A partner's receiver, as the docs tell one to write it. */
class Receiver {
  readonly requests: Received[] = [];
  readonly accepted = new Map<string, Record<string, unknown>>();
  /** Each registered URL's secret, by its query string ('' for the plain URL). */
  readonly secrets = new Map<string, string>();
  failFirst: string | null = null;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = { url: req.url ?? '', deliveryId: String(req.headers[DELIVERY_HEADER.toLowerCase()]), event: String(req.headers[EVENT_HEADER.toLowerCase()]), signature: String(req.headers[SIGNATURE_HEADER.toLowerCase()]), body, answered: 0 };
      this.requests.push(r);
      const answer = (status: number) => {
        r.answered = status;
        res.writeHead(status).end();
      };
      try {
        verifyWebhookSignature({ secret: this.secrets.get(new URL(req.url ?? '/', 'http://receiver').search) ?? '', header: r.signature, body });
      } catch (e) {
        if (e instanceof WebhookSignatureError) return answer(400);
        throw e;
      }
      if (this.failFirst === r.event) {
        this.failFirst = null;
        return answer(500);
      }
      // A repeated delivery id is acknowledged and not processed twice.
      if (!this.accepted.has(r.deliveryId)) this.accepted.set(r.deliveryId, JSON.parse(body) as Record<string, unknown>);
      answer(200);
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/synthbus`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  acceptedEvents(orderId: string): string[] {
    return [...this.accepted.values()].filter((p) => (p.order as { id: string }).id === orderId).map((p) => p.event as string);
  }
}

/** Polls until `ready` holds; the test's own timeout bounds the wait (no timed assertion). */
async function until(ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((r) => setTimeout(r, 200));
}

const DELIVERIES = `query($id: ID!, $first: Int, $after: String) { webhookDeliveries(webhookId: $id, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id event orderId state attemptCount nextAttemptAt finishedAt attempts { at statusCode error durationMs } } } } }`;
const REGISTER = 'mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret webhook { id url events createdAt secretRotatedAt } } }';

let stack: TestStack;
let receiver: Receiver;
let receiverUrl: string;
let alice: TestPartner;
let bob: TestPartner;
let modelId: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: true });
  receiver = new Receiver();
  receiverUrl = await receiver.listen();
  alice = await createApprovedPartner(stack, 'Alice Hospital');
  bob = await createApprovedPartner(stack, 'Bob Clinic');
  modelId = (await gqlOk(stack.url, '{ models { modelId } }')).models[0].modelId;
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

/** The journey test's order (its seed passes the cohort privacy check on the tiny bundle), at `size`. */
async function placeOrder(partner: TestPartner, size: number): Promise<string> {
  const { models } = await gqlOk(stack.url, '{ models { classes { birads } minSteps } }');
  const [a, b] = models[0].classes.map((c: { birads: number }) => c.birads);
  const input = { modelId, size, mix: [{ birads: a, fraction: 0.5 }, { birads: b, fraction: 0.5 }], seed: 1234, steps: models[0].minSteps };
  return (await gqlOk(stack.url, 'mutation($i: OrderInput!) { placeOrder(input: $i) { id } }', { i: input }, partner.key)).placeOrder.id;
}

test('bad webhook URLs are refused with a coded error naming input.url', async () => {
  const cases: [string, string][] = [
    ['ftp://example.org/hook', 'URL_SCHEME'],
    ['http://example.org/hook', 'URL_SCHEME'],
    ['https://user:secret@example.org/hook', 'URL_CREDENTIALS'],
    ['https://169.254.169.254/latest/meta-data', 'URL_PRIVATE_ADDRESS'],
    [`https://example.org/${'x'.repeat(2100)}`, 'URL_TOO_LONG'],
    ['hooks.example.org', 'URL_INVALID'],
  ];
  for (const [url, reason] of cases) {
    const r = await gql(stack.url, REGISTER, { i: { url } }, alice.key);
    expect([url.slice(0, 40), r.errors?.[0].extensions]).toEqual([url.slice(0, 40), expect.objectContaining({ code: 'BAD_USER_INPUT', reason, field: 'input.url' })]);
  }
  const empty = await gql(stack.url, REGISTER, { i: { url: receiverUrl, events: [] } }, alice.key);
  expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EVENTS_EMPTY', field: 'input.events' });
  // An order-scoped key may not manage webhooks.
  const scoped = await gqlOk(stack.url, 'mutation { issueApiKey(name: "orders only", scopes: [ORDERS_READ, ORDERS_WRITE]) { secret } }', {}, alice.key);
  const denied = await gql(stack.url, REGISTER, { i: { url: receiverUrl } }, scoped.issueApiKey.secret);
  expect(denied.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE' });
  expect((await gqlOk(stack.url, '{ webhooks { id } }', {}, alice.key)).webhooks).toEqual([]);
});

test('order events arrive signed; a 500 is retried and delivered; the partner sees every attempt; others see nothing', async () => {
  const registered = (await gqlOk(stack.url, REGISTER, { i: { url: receiverUrl } }, alice.key)).registerWebhook;
  expect(registered.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  expect(registered.webhook).toMatchObject({ url: receiverUrl, events: ['QUEUED', 'STARTED', 'COMPLETED', 'FAILED', 'CANCELLED', 'STALLED'], secretRotatedAt: null });
  receiver.secrets.set('', registered.secret);
  receiver.failFirst = 'STARTED';
  const webhookId: string = registered.webhook.id;
  // Bob's own webhook, subscribed to everything, must hear nothing of Alice's order.
  const bobs = (await gqlOk(stack.url, REGISTER, { i: { url: `${receiverUrl}?bob=1`, events: ['COMPLETED', 'COMPLETED'] } }, bob.key)).registerWebhook;
  expect(bobs.webhook.events).toEqual(['COMPLETED']);

  const orderId = await placeOrder(alice, 6);
  await until(() => receiver.acceptedEvents(orderId).includes('COMPLETED') && receiver.acceptedEvents(orderId).includes('STARTED'));
  expect(receiver.acceptedEvents(orderId).sort()).toEqual(['COMPLETED', 'QUEUED', 'STARTED']);
  const completed = [...receiver.accepted.values()].find((p) => p.event === 'COMPLETED');
  expect(completed).toEqual({
    eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    event: 'COMPLETED',
    occurredAt: expect.any(String),
    order: { id: orderId, status: 'COMPLETED', size: 6, delivered: 6, rejected: expect.any(Number), certificateId: expect.any(String), failureReason: null, stalledBecause: null },
  });
  // Every request carried a valid signature (none was refused), and the STARTED delivery came twice under one id.
  expect(receiver.requests.filter((r) => r.answered === 400)).toEqual([]);
  const started = receiver.requests.filter((r) => r.event === 'STARTED');
  expect(started.map((r) => r.answered)).toEqual([500, 200]);
  expect(started[1].deliveryId).toBe(started[0].deliveryId);
  expect(started[1].body).toBe(started[0].body);

  const page = (await gqlOk(stack.url, DELIVERIES, { id: webhookId }, alice.key)).webhookDeliveries;
  expect(page.totalCount).toBe(3);
  const byEvent = new Map<string, Record<string, any>>(page.edges.map((e: { node: Record<string, any> }) => [e.node.event, e.node])); // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes
  expect(byEvent.get('STARTED')).toMatchObject({ id: started[0].deliveryId, orderId, state: 'DELIVERED', attemptCount: 2, nextAttemptAt: null, finishedAt: expect.any(String) });
  expect(byEvent.get('STARTED')?.attempts.map((a: { statusCode: number; error: string | null }) => [a.statusCode, a.error])).toEqual([[500, null], [200, null]]);
  expect(byEvent.get('COMPLETED')).toMatchObject({ state: 'DELIVERED', attemptCount: 1, attempts: [{ statusCode: 200, error: null }] });
  // Newest first, paged by cursor.
  const first = (await gqlOk(stack.url, DELIVERIES, { id: webhookId, first: 2 }, alice.key)).webhookDeliveries;
  const rest = (await gqlOk(stack.url, DELIVERIES, { id: webhookId, first: 2, after: first.pageInfo.endCursor }, alice.key)).webhookDeliveries;
  expect(first.pageInfo.hasNextPage).toBe(true);
  expect([...first.edges, ...rest.edges].map((e: { node: { id: string } }) => e.node.id)).toEqual(page.edges.map((e: { node: { id: string } }) => e.node.id));
  expect(page.edges.map((e: { node: { event: string } }) => e.node.event)).toEqual(['COMPLETED', 'STARTED', 'QUEUED']);

  // Bob: his webhook got nothing; Alice's webhook and its deliveries do not exist for him.
  expect((await gqlOk(stack.url, DELIVERIES, { id: bobs.webhook.id }, bob.key)).webhookDeliveries.totalCount).toBe(0);
  expect(receiver.requests.filter((r) => r.body.includes(orderId) && r.deliveryId && !page.edges.some((e: { node: { id: string } }) => e.node.id === r.deliveryId))).toEqual([]);
  expect((await gql(stack.url, DELIVERIES, { id: webhookId }, bob.key)).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'WEBHOOK_NOT_FOUND' });
  expect((await gqlOk(stack.url, '{ webhooks { id } }', {}, bob.key)).webhooks).toEqual([{ id: bobs.webhook.id }]);
  for (const op of ['rotateWebhookSecret', 'deleteWebhook']) {
    const r = await gql(stack.url, `mutation($id: ID!) { ${op}(id: $id) { __typename } }`, { id: webhookId }, bob.key);
    expect([op, r.errors?.[0].extensions]).toEqual([op, expect.objectContaining({ code: 'NOT_FOUND', reason: 'WEBHOOK_NOT_FOUND' })]);
  }

  // Replays and tampering: the receiver's verification refuses them, each for its reason.
  const signed = started[1];
  const signedAt = Number(/t=(\d+)/.exec(signed.signature)?.[1]);
  const refusal = (o: { body?: string; now?: number }) => {
    try {
      verifyWebhookSignature({ secret: registered.secret, header: signed.signature, body: o.body ?? signed.body, now: o.now ?? signedAt });
      return null;
    } catch (e) {
      return (e as WebhookSignatureError).reason;
    }
  };
  expect(refusal({})).toBeNull();
  expect(refusal({ now: signedAt + 301 })).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
  expect(refusal({ body: signed.body.replace('"STARTED"', '"COMPLETED"') })).toBe('SIGNATURE_MISMATCH');
  // Over HTTP: a tampered body is refused; the same delivery sent again is acknowledged, not processed twice.
  const send = (body: string) => fetch(receiverUrl, { method: 'POST', headers: { [SIGNATURE_HEADER]: signed.signature, [DELIVERY_HEADER]: signed.deliveryId, [EVENT_HEADER]: signed.event }, body });
  expect((await send(signed.body.replace('"STARTED"', '"FAILED"'))).status).toBe(400);
  const acceptedBefore = receiver.accepted.size;
  expect((await send(signed.body)).status).toBe(200);
  expect(receiver.accepted.size).toBe(acceptedBefore);
});

test('the secret is shown once: never listed, never stored or audited in plain text; rotation replaces it', async () => {
  const registered = (await gqlOk(stack.url, REGISTER, { i: { url: `${receiverUrl}?rotation=1`, events: ['CANCELLED'] } }, alice.key)).registerWebhook;
  const listed = await gqlOk(stack.url, '{ webhooks { id url events createdAt secretRotatedAt } }', {}, alice.key);
  expect(JSON.stringify(listed)).not.toContain(registered.secret);
  const rotated = (await gqlOk(stack.url, 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret webhook { id secretRotatedAt } } }', { id: registered.webhook.id }, alice.key)).rotateWebhookSecret;
  expect(rotated.secret).toMatch(/^whsec_/);
  expect(rotated.secret).not.toBe(registered.secret);
  expect(rotated.webhook.secretRotatedAt).not.toBeNull();

  // Deliveries are signed with the new secret only.
  receiver.secrets.set('?rotation=1', rotated.secret);
  const orderId = await placeOrder(alice, 64);
  await gqlOk(stack.url, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: orderId }, alice.key);
  const isCancellation = (r: Received) => r.body.includes(orderId) && r.event === 'CANCELLED' && r.url.endsWith('?rotation=1');
  await until(() => receiver.requests.some((r) => isCancellation(r) && r.answered === 200));
  const cancelled = receiver.requests.find(isCancellation);
  expect(() => verifyWebhookSignature({ secret: registered.secret, header: cancelled?.signature, body: cancelled?.body ?? '' })).toThrow(WebhookSignatureError);

  // Nothing in the database holds either secret in plain text: not the webhooks table, not the audit log.
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const dump = JSON.stringify((await db.query('SELECT w.*, (SELECT json_agg(a) FROM audit_log a) AS audit FROM webhooks w')).rows);
    expect(dump).toContain('mutation.registerWebhook');
    for (const s of [registered.secret, rotated.secret]) expect(dump).not.toContain(s.slice('whsec_'.length));
  } finally {
    await db.end();
  }

  const deleted = await gqlOk(stack.url, 'mutation($id: ID!) { deleteWebhook(id: $id) { id } }', { id: registered.webhook.id }, alice.key);
  expect(deleted.deleteWebhook.id).toBe(registered.webhook.id);
  expect((await gqlOk(stack.url, '{ webhooks { id } }', {}, alice.key)).webhooks.map((w: { id: string }) => w.id)).not.toContain(registered.webhook.id);
  expect((await gql(stack.url, DELIVERIES, { id: registered.webhook.id }, alice.key)).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
});
