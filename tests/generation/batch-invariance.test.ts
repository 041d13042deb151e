/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
import { InferenceSession } from 'onnxruntime-node';
import { isBatchInvariant } from '../../src/generation/batch-invariance';
import { loadBundle, LoadedBundle } from '../../src/generation/bundle';
import { TEST_BUNDLE } from './helpers/test-bundle';

let bundle: LoadedBundle;
beforeAll(async () => {
  bundle = await loadBundle(TEST_BUNDLE, 'cpu');
});
afterAll(async () => {
  for (const s of Object.values(bundle.sessions)) await s.release();
});

describe('batch-invariance probe', () => {
  it('finds the CPU provider row-independent for the bundle graphs', async () => {
    expect(await isBatchInvariant(bundle, 16)).toBe(true);
  });

  it('notices a graph whose rows depend on the batch size, as a GPU kernel choosing another tiling would', async () => {
    // The real embedder, with a last-bit change that depends on how many rows share the run.
    const real = bundle.sessions.embedder;
    const batchDependent = {
      outputNames: real.outputNames,
      async run(feeds: InferenceSession.FeedsType) {
        const out = await real.run(feeds);
        const data = out[real.outputNames[0]].data as Float32Array;
        if (feeds.image.dims[0] > 1) data.forEach((v, i) => (data[i] = Math.fround(v * (1 + 2 ** -22))));
        return out;
      },
    } as unknown as InferenceSession;
    expect(await isBatchInvariant({ ...bundle, sessions: { ...bundle.sessions, embedder: batchDependent } }, 16)).toBe(false);
  });
});
