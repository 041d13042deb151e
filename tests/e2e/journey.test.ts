/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The whole partner journey over real HTTP and WebSocket, with a real worker sampling the tiny
// fixture bundle: apply → approve → accept the agreement → issue a key → quote → order →
// subscription events → completed with a certificate whose Ed25519 signature verifies.
import { createHash, verify } from 'node:crypto';
import fs from 'node:fs';
import { FileContentStore } from '../../src/storage/content-store';
import { TestStack, collectProgress, gql, gqlOk, startTestStack } from '../helpers/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ worker: true });
});
afterAll(() => stack.close());

test('a partner orders a cohort and receives it with a verifiable certificate', async () => {
  const { url, adminKey } = stack;

  // Apply (no key needed): a pending account and an "account"-scoped key, shown once.
  const applied = await gqlOk(url, `mutation { apply(input: { name: "Dr. Ana Souza", institution: "Hospital Universitario", contactEmail: "ana@example.org", purpose: "Benchmark BI-RADS classifiers" }) { partner { id status } apiKey { scopes } secret } }`);
  expect(applied.apply.partner.status).toBe('PENDING');
  expect(applied.apply.apiKey.scopes).toEqual(['ACCOUNT']);
  const partnerId: string = applied.apply.partner.id;
  const accountKey: string = applied.apply.secret;

  // An admin approves.
  const pending = await gqlOk(url, `{ partners(status: PENDING) { id } }`, {}, adminKey);
  expect(pending.partners.map((p: { id: string }) => p.id)).toContain(partnerId);
  expect((await gqlOk(url, `mutation($id: ID!) { approvePartner(id: $id) { status } }`, { id: partnerId }, adminKey)).approvePartner.status).toBe('APPROVED');

  // The partner reads and accepts the current agreement; the acceptance records the key.
  const { currentAgreement } = await gqlOk(url, `{ currentAgreement { version text } }`);
  expect(currentAgreement.text).toMatch(/data-use agreement/);
  const accepted = await gqlOk(url, `mutation($v: Int!) { acceptAgreement(version: $v) { agreementVersion apiKeyId acceptedAt } }`, { v: currentAgreement.version }, accountKey);
  expect(accepted.acceptAgreement.agreementVersion).toBe(currentAgreement.version);

  // A working key, shown once; listings show only its prefix.
  const issued = await gqlOk(url, `mutation { issueApiKey(name: "pipeline", scopes: [ORDERS_READ, ORDERS_WRITE, DOWNLOADS]) { secret key { id tokenPrefix } } }`, {}, accountKey);
  const key: string = issued.issueApiKey.secret;
  expect(key.startsWith(issued.issueApiKey.key.tokenPrefix)).toBe(true);
  const listed = await gqlOk(url, `{ apiKeys { id tokenPrefix } }`, {}, accountKey);
  expect(JSON.stringify(listed)).not.toContain(key);

  // The models and their ranges.
  const { models } = await gqlOk(url, `{ models { modelId classes { birads } defaultSteps minSteps maxSteps defaultGuidance evaluation fixture } }`);
  expect(models).toHaveLength(1);
  const model = models[0];
  const classes: number[] = model.classes.map((c: { birads: number }) => c.birads);
  expect(classes.length).toBeGreaterThanOrEqual(2);

  // Quote, then order: 6 images, half of each of the first two classes.
  const input = { modelId: model.modelId, size: 6, mix: [{ birads: classes[0], fraction: 0.5 }, { birads: classes[1], fraction: 0.5 }], seed: 1234, steps: model.minSteps };
  const quote = await gqlOk(url, `query($i: OrderInput!) { quote(input: $i) { counts { birads count } shards } }`, { i: input }, key);
  expect(quote.quote.counts).toEqual([{ birads: classes[0], count: 3 }, { birads: classes[1], count: 3 }]);
  const placed = await gqlOk(url, `mutation($i: OrderInput!) { placeOrder(input: $i, idempotencyKey: "journey-1") { id status certificateId } }`, { i: input }, key);
  const orderId: string = placed.placeOrder.id;

  // Progress over the WebSocket: a snapshot first, then events until completion.
  const events = await collectProgress(stack.wsUrl, key, orderId);
  expect(events[0].type).toBe('SNAPSHOT');
  const last = events[events.length - 1];
  expect(last).toMatchObject({ type: 'COMPLETED', status: 'COMPLETED', delivered: 6, certificateId: placed.placeOrder.certificateId });
  expect(last.deliveredByClass).toEqual([{ birads: classes[0], count: 3 }, { birads: classes[1], count: 3 }]);
  const delivered = events.filter((e) => e.type === 'IMAGE_DELIVERED');
  const snapshotDelivered: number = events[0].delivered;
  expect(delivered.length).toBe(6 - snapshotDelivered);
  expect(new Set(delivered.map((e) => e.index)).size).toBe(delivered.length);
  for (let i = 1; i < events.length; i++) expect(events[i].delivered).toBeGreaterThanOrEqual(events[i - 1].delivered);

  // The order, its images and its certificate.
  const got = await gqlOk(
    url,
    `query($id: ID!) { order(id: $id) { status images(first: 100) { edges { node { index birads sha256 seed nnDistance } } }
       certificate { id keyId payload signature passed } } certificateKeys { keyId publicKeyPem current } }`,
    { id: orderId },
    key,
  );
  const images = got.order.images.edges.map((e: { node: Record<string, unknown> }) => e.node);
  expect(images.map((i: { index: number }) => i.index)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(images.map((i: { birads: number }) => i.birads)).toEqual([classes[0], classes[0], classes[0], classes[1], classes[1], classes[1]]);
  const store = new FileContentStore(stack.config.storageRoot);
  for (const img of images) {
    const bytes = fs.readFileSync(store.path(img.sha256));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(img.sha256);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  }

  const cert = got.order.certificate;
  expect(cert.passed).toBe(true);
  const signer = got.certificateKeys.find((k: { keyId: string }) => k.keyId === cert.keyId);
  expect(signer).toBeDefined();
  expect(verify(null, Buffer.from(cert.payload, 'utf8'), signer.publicKeyPem, Buffer.from(cert.signature, 'base64'))).toBe(true);
  // A changed payload does not verify.
  expect(verify(null, Buffer.from(cert.payload.replace('"', ' "'), 'utf8'), signer.publicKeyPem, Buffer.from(cert.signature, 'base64'))).toBe(false);
  for (const img of images) expect(cert.payload).toContain(img.sha256);

  // The retried mutation returns the same order; reads were audited.
  const again = await gqlOk(url, `mutation($i: OrderInput!) { placeOrder(input: $i, idempotencyKey: "journey-1") { id } }`, { i: input }, key);
  expect(again.placeOrder.id).toBe(orderId);
  const audit = await gqlOk(url, `query($t: String) { auditLog(filter: { targetId: $t }, first: 100) { edges { node { action } } } }`, { t: orderId }, adminKey);
  expect(audit.auditLog.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual(expect.arrayContaining(['mutation.placeOrder', 'order.read', 'image.list']));

  // Cancelling a finished order conflicts.
  const cancel = await gql(url, `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, { id: orderId }, key);
  expect(cancel.errors?.[0].extensions?.code).toBe('CONFLICT');
});
