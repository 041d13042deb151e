/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The two privacy outcomes the tiny fixture never produces, proven through the real API (HTTP and
// graphql-ws), a real worker and the real ONNX engine, on variants of the fixture bundle:
// 1. a per-image threshold raised to the training set's lower-quartile nearest-neighbour distance, so
//    images are rejected and resampled with their next attempt's seed, the rejections are streamed
//    and certified, and the order still completes with exactly the ordered counts;
// 2. a holdout set that no generated image is close to, so every image is nearer to a training
//    image than to any unseen one: the cohort's DCR share is ~1, the order fails with a readable
//    reason, and its cohort cannot be downloaded.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_BUNDLE_DIR } from '../../src/generation/bundle';
import type { ImagePrivacyRecord } from '../../src/domain/cohort';
import { deriveImageSeed } from '../../src/generation/seeds';
import { startWorker, WorkerHandle } from '../../src/worker/worker';
import { copyBundle, readManifest, rewriteManifest } from '../generation/helpers/bundle-copy';
import { collectProgress, createApprovedPartner, gql, gqlOk, ORDER_FIELDS, TestPartner, TestStack, startTestStack } from '../helpers/stack';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- event payloads, as collectProgress returns them

interface CertificatePayload {
  counts: { generated: number; rejected: number; delivered: number };
  privacyCheck: { threshold: number };
  dcr: { share: number; ciLow: number; ciHigh: number; n: number; verdict: 'pass' | 'fail' };
  verdict: { passed: boolean; reason: string | null };
  images: ImagePrivacyRecord[];
}

const ORDER_SEED = 20261126;
const STEPS = 4;
const temp: string[] = [];

afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Places the order on a stack whose models are registered but which runs no worker yet, and starts
 * one only once the partner's subscription has its snapshot (it listens before reading that), so
 * every event of the order is heard. Returns the events up to the final one.
 */
async function orderAndFollow(
  stack: TestStack,
  partner: TestPartner,
  mixSize: (birads: number[]) => { size: number; mix: { birads: number; fraction: number }[] },
): Promise<{ orderId: string; counts: { birads: number; count: number }[]; events: Event[] }> {
  const { models } = await gqlOk(stack.url, '{ models { modelId classes { birads } } }', {}, partner.key);
  expect(models).toHaveLength(1);
  const birads: number[] = models[0].classes.map((c: { birads: number }) => c.birads);
  const input = { modelId: models[0].modelId, ...mixSize(birads), seed: ORDER_SEED, steps: STEPS };
  const { placeOrder } = await gqlOk(stack.url, `mutation($i: OrderInput!) { placeOrder(input: $i) { ${ORDER_FIELDS} } }`, { i: input }, partner.key);
  expect(placeOrder.status).toBe('QUEUED');

  let listening: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (listening = resolve));
  const done = collectProgress(stack.wsUrl, partner.key, placeOrder.id, () => listening());
  await Promise.race([subscribed, done]); // a refused subscription fails here rather than hanging
  let worker: WorkerHandle | undefined;
  try {
    worker = await startWorker(stack.config, stack.databaseUrl, () => undefined, stack.engine);
    const events = await done;
    return { orderId: placeOrder.id, counts: placeOrder.counts, events };
  } finally {
    await worker?.close();
  }
}

async function orderDetails(stack: TestStack, key: string, orderId: string): Promise<Event> {
  const { order } = await gqlOk(
    stack.url,
    `query($id: ID!) { order(id: $id) { status failureReason
       images(first: 100) { edges { node { index birads seed attempt nnDistance rejections } } }
       certificate { payload passed reason } } }`,
    { id: orderId },
    key,
  );
  return order;
}

describe('images that fail the per-image privacy check', () => {
  let stack: TestStack;
  let partner: TestPartner;
  let threshold: number;

  beforeAll(async () => {
    // The training set's lower quartile of nearest-other-training-image distances: at 4 steps,
    // 15-40% of the fixture's first attempts (depending on the class) fall below it, so among 16
    // images some are rejected and some are not, and no image needs anywhere near the engine's
    // 8 attempts. (The median rejects up to 60% per attempt for BI-RADS 2: too close to that.)
    const quartile = readManifest(FIXTURE_BUNDLE_DIR).privacy.calibration.trainNnQuantiles.find((x) => x.q === 0.25);
    if (!quartile) throw new Error('the fixture manifest has no 0.25 quantile in privacy.calibration.trainNnQuantiles');
    threshold = quartile.d;
    expect(threshold).toBeGreaterThan(readManifest(FIXTURE_BUNDLE_DIR).privacy.threshold);
    const dir = copyBundle(FIXTURE_BUNDLE_DIR);
    temp.push(dir);
    rewriteManifest(dir, (m) => (m.privacy.threshold = threshold));
    stack = await startTestStack({ models: true, config: { bundleDirs: [dir] } });
    partner = await createApprovedPartner(stack);
  });
  afterAll(() => stack?.close());

  // One order, placed once; each case below checks one of its outcomes.
  let orderId: string;
  let counts: { birads: number; count: number }[];
  let events: Event[];
  let rejections: Event[];
  let order: Event;
  let images: Event[];
  let cert: CertificatePayload;

  beforeAll(async () => {
    ({ orderId, counts, events } = await orderAndFollow(stack, partner, (birads) => ({
      size: 16,
      mix: birads.map((b) => ({ birads: b, fraction: 1 / birads.length })),
    })));
    rejections = events.filter((e) => e.type === 'IMAGE_REJECTED');
    order = await orderDetails(stack, partner.key, orderId);
    images = order.images.edges.map((e: { node: Event }) => e.node);
    cert = JSON.parse(order.certificate.payload) as CertificatePayload;
  });

  it('streams a snapshot before any work, rejections and deliveries, then COMPLETED with exactly the ordered counts', () => {
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(16);
    expect(events[0]).toMatchObject({ type: 'SNAPSHOT', status: 'QUEUED', delivered: 0, rejected: 0 });
    const last = events[events.length - 1];
    expect(last).toMatchObject({ type: 'COMPLETED', status: 'COMPLETED', delivered: 16, failureReason: null });
    expect(last.deliveredByClass).toEqual(counts);
    expect(rejections.length).toBeGreaterThan(0);
    for (const r of rejections) {
      expect(r.nnDistance).toBeLessThan(threshold);
      expect(counts.map((c) => c.birads)).toContain(r.birads);
    }
    expect(events.filter((e) => e.type === 'IMAGE_DELIVERED')).toHaveLength(16);
  });

  it('counts each rejection in its own event, and the figure never goes down', () => {
    rejections.forEach((r, i) => expect(r.rejected).toBe(i + 1));
    for (let i = 1; i < events.length; i++) expect(events[i].rejected).toBeGreaterThanOrEqual(events[i - 1].rejected);
    expect(events[events.length - 1].rejected).toBe(rejections.length);
  });

  it('stores every ordered image at or beyond the raised threshold, seeded by its attempt', () => {
    expect(order.status).toBe('COMPLETED');
    expect(images.map((i) => i.index)).toEqual([...Array(16).keys()]);
    for (const c of counts) expect(images.filter((i) => i.birads === c.birads)).toHaveLength(c.count);
    for (const img of images) {
      expect(img.nnDistance).toBeGreaterThanOrEqual(threshold);
      expect(img.rejections).toBe(img.attempt);
      expect(img.seed).toBe(deriveImageSeed(ORDER_SEED, img.index, img.attempt).toString());
    }
  });

  it('rejected some first attempts, not all', () => {
    expect(images.some((i) => i.attempt === 0)).toBe(true);
    expect(images.some((i) => i.attempt > 0)).toBe(true);
  });

  it('certifies the rejections, with each resample\'s seed', () => {
    expect(order.certificate.passed).toBe(true);
    expect(cert.privacyCheck.threshold).toBe(threshold);
    expect(cert.counts).toEqual({ generated: 16 + rejections.length, rejected: rejections.length, delivered: 16 });
    expect(cert.counts.rejected).toBe(images.reduce((n, i) => n + i.rejections, 0));
    for (const rec of cert.images) {
      expect(rec.nnDistance).toBeGreaterThanOrEqual(threshold);
      expect(rec.rejections.map((r) => r.attempt)).toEqual([...Array(rec.attempt).keys()]);
      for (const r of rec.rejections) {
        expect(r.nnDistance).toBeLessThan(threshold);
        expect(r.seed).toBe(deriveImageSeed(ORDER_SEED, rec.index, r.attempt).toString());
      }
    }
  });

  it('streamed exactly the rejections the certificate records (same image, same distance)', () => {
    const certified = cert.images.flatMap((rec) => rec.rejections.map((r) => `${rec.index}:${r.nnDistance}`)).sort();
    expect(rejections.map((r) => `${r.index}:${r.nnDistance}`).sort()).toEqual(certified);
  });
});

/**
 * The unit vector least similar to every row of `rows` (minimizes the largest dot product, by
 * projected subgradient steps from the negated mean). Training embeddings are spread over the
 * whole sphere, so the negated mean alone still lies near some of them.
 */
function leastSimilarDirection(rows: Float32Array, dim: number): { direction: Float32Array; maxDot: number } {
  const count = rows.length / dim;
  const h = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let k = 0; k < dim; k++) h[k] -= rows[r * dim + k];
  const normalize = () => {
    const n = Math.hypot(...h);
    for (let k = 0; k < dim; k++) h[k] /= n;
  };
  const closest = (): [number, number] => {
    let best = -Infinity;
    let at = 0;
    for (let r = 0; r < count; r++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += rows[r * dim + k] * h[k];
      if (s > best) [best, at] = [s, r];
    }
    return [best, at];
  };
  normalize();
  for (let it = 0; it < 2000; it++) {
    const [, at] = closest();
    const step = 0.05 / Math.sqrt(it + 1);
    for (let k = 0; k < dim; k++) h[k] -= step * rows[at * dim + k];
    normalize();
  }
  return { direction: Float32Array.from(h), maxDot: closest()[0] };
}

describe('a cohort significantly closer to training patients than to unseen ones', () => {
  let stack: TestStack;
  let partner: TestPartner;

  beforeAll(async () => {
    const dir = copyBundle(FIXTURE_BUNDLE_DIR);
    temp.push(dir);
    const { privacy } = readManifest(dir);
    const bytes = readFileSync(join(dir, privacy.reference.file));
    const reference = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const { direction, maxDot } = leastSimilarDirection(reference, privacy.embeddingDim);
    // Far from every training image (distance > 1.26 from all of them), so far from every image
    // the model makes: each one's nearest training image is nearer than any holdout row.
    expect(maxDot).toBeLessThan(0.2);
    const holdoutPath = join(dir, privacy.holdout.file);
    const holdout = new Float32Array(privacy.holdout.count * privacy.embeddingDim);
    for (let r = 0; r < privacy.holdout.count; r++) holdout.set(direction, r * privacy.embeddingDim);
    const length = statSync(holdoutPath).size;
    writeFileSync(holdoutPath, Buffer.from(holdout.buffer));
    expect(statSync(holdoutPath).size).toBe(length);
    rewriteManifest(dir);
    stack = await startTestStack({ models: true, config: { bundleDirs: [dir] } });
    partner = await createApprovedPartner(stack);
  });
  afterAll(() => stack?.close());

  let orderId: string;
  let events: Event[];
  let order: Event;
  let cert: CertificatePayload;

  beforeAll(async () => {
    ({ orderId, events } = await orderAndFollow(stack, partner, (birads) => ({
      size: 8,
      mix: [{ birads: birads[0], fraction: 0.5 }, { birads: birads[birads.length - 1], fraction: 0.5 }],
    })));
    order = await orderDetails(stack, partner.key, orderId);
    cert = JSON.parse(order.certificate.payload) as CertificatePayload;
  });

  it('streams FAILED, never COMPLETED, with a reason naming the DCR share', () => {
    const last = events[events.length - 1];
    expect(last).toMatchObject({ type: 'FAILED', status: 'FAILED', delivered: 8 });
    expect(events.filter((e) => e.type === 'COMPLETED')).toHaveLength(0);
    expect(last.failureReason).toMatch(/^cohort privacy check failed: distance-to-closest-record share \d\.\d{3} \(95% CI .*\) is significantly above 0\.5/);
    expect(order.status).toBe('FAILED');
    expect(order.failureReason).toBe(last.failureReason);
  });

  it('stores a failing certificate whose DCR interval lies above 0.5', () => {
    expect(order.certificate.passed).toBe(false);
    expect(cert.verdict).toEqual({ passed: false, reason: order.certificate.reason });
    expect(cert.dcr).toMatchObject({ n: 8, verdict: 'fail' });
    expect(cert.dcr.share).toBeGreaterThan(0.95);
    expect(cert.dcr.ciLow).toBeGreaterThan(0.5);
    expect(order.failureReason).toContain(`share ${cert.dcr.share.toFixed(3)} (95% CI ${cert.dcr.ciLow.toFixed(3)}-${cert.dcr.ciHigh.toFixed(3)})`);
    for (const rec of cert.images) expect(rec.dcr.trainCloserShare).toBeGreaterThan(0.5);
  });

  it('refuses a download link, with an error that says why', async () => {
    const link = await gql(stack.url, 'mutation($o: ID!) { createDownloadLink(orderId: $o, format: ZIP) { url } }', { o: orderId }, partner.key);
    expect(link.data?.createDownloadLink ?? null).toBeNull();
    expect(link.errors).toHaveLength(1);
    expect(link.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(link.errors?.[0].message).toContain(orderId);
    expect(link.errors?.[0].message).toMatch(/failed/);
    expect(link.errors?.[0].message).toContain('distance-to-closest-record share');
    expect(link.errors?.[0].message).not.toMatch(/once it is completed/);
  });
});
