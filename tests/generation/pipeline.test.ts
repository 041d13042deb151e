/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The overlapped micro-batch pipeline (sampling batch k+1 while batch k is checked) gives exactly
// what the stages run one after the other give, in job order.
import type { CohortParams } from '../../src/domain/cohort';
import { loadBundle, LoadedBundle } from '../../src/generation/bundle';
import { closePrivacyIndex, makeImages, PendingImage } from '../../src/generation/pipeline';
import { deriveImageSeed } from '../../src/generation/seeds';
import { subsetPairs, SubsetPairs } from '../../src/privacy/dcr';
import { TEST_BUNDLE } from './helpers/test-bundle';

let bundle: LoadedBundle;
let pairs: SubsetPairs;
let params: CohortParams;
let jobs: PendingImage[];

beforeAll(async () => {
  bundle = await loadBundle(TEST_BUNDLE, 'cpu');
  const { manifest } = bundle;
  pairs = subsetPairs(bundle.reference.count, bundle.holdout.count, 8, 1n);
  params = { modelId: manifest.modelId, orderId: 'o', certificateId: 'c', orderSeed: 3, sampler: 'DDIM' as const, steps: 2, guidance: manifest.sampling.defaultGuidance };
  jobs = Array.from({ length: 7 }, (_, index) => {
    const c = manifest.classes[index % manifest.classes.length];
    return { index, birads: c.birads, label: c.index, attempt: 0, seed: deriveImageSeed(params.orderSeed, index, 0) };
  });
});
afterAll(async () => {
  await closePrivacyIndex(pairs);
  for (const s of Object.values(bundle.sessions)) await s.release();
});

test('overlapped and sequential micro-batches give the same images, distances and DCR facts, in job order', async () => {
  const sequential = await makeImages(bundle, pairs, params, jobs, 3, false);
  const overlapped = await makeImages(bundle, pairs, params, jobs, 3, true);
  expect(overlapped.map((r) => r.job.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(overlapped.map((r) => [r.nnDistance, r.dcr, r.png?.toString('base64') ?? null])).toEqual(sequential.map((r) => [r.nnDistance, r.dcr, r.png?.toString('base64') ?? null]));
});

test('a failure in one micro-batch rejects the call and leaves nothing unhandled behind it', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    // An out-of-range label makes the denoiser fail on the second micro-batch while the third samples.
    const bad = jobs.map((j, i) => (i === 4 ? { ...j, label: 10_000 } : j));
    await expect(makeImages(bundle, pairs, params, bad, 3, true)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
