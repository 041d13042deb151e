/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Parity: the bundle's test vectors (parity.json, computed by training/ with the graphs' PyTorch
// twins in float32) through each ONNX graph and through the full 10-step DDIM and DPM-Solver++
// trajectories.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { defaultBundleDirs, loadBundle, LoadedBundle } from '../../src/generation/bundle';
import type { Sampler } from '../../src/domain/model';
import { ddimTimesteps } from '../../src/generation/scheduler';
import { decode, sampleLatents } from '../../src/generation/sampler';
import { TEST_BUNDLE } from './helpers/test-bundle';

interface ParityArray {
  shape: number[];
  dtype: 'float32' | 'int64';
  data: string;
}

function toArray(a: ParityArray): Float32Array | BigInt64Array {
  const bytes = Buffer.from(a.data, 'base64');
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const out = a.dtype === 'float32' ? new Float32Array(copy) : new BigInt64Array(copy);
  expect(out.length).toBe(a.shape.reduce((x, y) => x * y, 1));
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

async function runGraph(session: InferenceSession, inputs: Record<string, ParityArray>): Promise<Float32Array> {
  const feeds: Record<string, Tensor> = {};
  for (const [name, a] of Object.entries(inputs)) feeds[name] = new Tensor(a.dtype, toArray(a), a.shape);
  const out = await session.run(feeds);
  return out[session.outputNames[0]].data as Float32Array;
}

// Tolerances (max absolute difference), and why. Both sides compute in float32 from the same
// weights; only the kernels differ (ORT MLAS vs PyTorch/oneDNN: other summation orders, fused ops,
// other exp/erf approximations). Float32 keeps 6e-8 relative precision, a dot product of length K
// drifts by about sqrt(K) ulp and each layer passes that on, so these small networks should agree
// to about 1e-6 of their output scale. Measured on the tiny fixture with onnxruntime-node 1.30
// (printed by this test): denoiser 1.2e-6 (outputs up to 3.4), decoder 6.3e-7, embedder 1.3e-7,
// trajectory 6e-8 after step 1 growing to 5.6e-7 after step 10, final image 6.9e-7. The bounds
// are 10-40x those, so kernel noise passes and a real disagreement (a wrong op, layout, scale or
// schedule shows up at 1e-3 and more) fails. The embedder's bound is wider: Python onnxruntime
// 1.32 measured 7.2e-5 on the same vector (training/'s parity check), so another ORT build may
// legitimately land there; 2e-4 on a unit vector moves a distance by at most 2e-4 * sqrt(2D),
// far below the calibrated threshold's scale.
const TOL = {
  denoiser: 2e-5,
  decoder: 1e-5,
  embedder: 2e-4,
  // Per step, relative to the latents' scale, allowed to grow linearly: each step's error is
  // carried into the next step's input, and guidance multiplies cond - uncond by g.
  trajectoryPerStep: 2e-6,
  // One 8-bit level is 2/255 = 0.0078: 1e-5 keeps the delivered pixels identical but for rare
  // values sitting exactly on a rounding boundary.
  image: 1e-5,
};

// The engine tests' bundle (the tiny fixture) and the one `npm start` serves (the real model):
// the shipped product passes verify_bundle's checks in TypeScript too.
const BUNDLES: [name: string, dir: string][] = [
  ['the test bundle', TEST_BUNDLE],
  ['the default product bundle', defaultBundleDirs()[0]],
];

describe.each(BUNDLES)('parity with the Python reference: %s', (_name, dir) => {
  let bundle: LoadedBundle;
  let parity: Record<string, Record<string, unknown>>;
  beforeAll(async () => {
    bundle = await loadBundle(dir, 'cpu');
    parity = JSON.parse(readFileSync(join(bundle.dir, 'parity.json'), 'utf8'));
  });
  afterAll(async () => {
    for (const s of Object.values(bundle.sessions)) await s.release();
  });

  for (const graph of ['denoiser', 'decoder', 'embedder'] as const) {
    it(`${graph} graph`, async () => {
      const vectors = parity[graph] as { inputs: Record<string, ParityArray>; outputs: Record<string, ParityArray> };
      const got = await runGraph(bundle.sessions[graph], vectors.inputs);
      const [want] = Object.values(vectors.outputs).map((a) => toArray(a) as Float32Array);
      // An all-zero reference (e.g. an untrained adaLN-zero DiT) would make the comparison vacuous.
      expect(maxAbs(want)).toBeGreaterThan(1e-3);
      const diff = maxAbsDiff(got, want);
      expect(diff).toBeLessThan(TOL[graph]);
    });
  }

  // Each sampler's stored trajectory: parity.json's `trajectory` (DDIM) and `dpmSolverTrajectory`.
  const TRAJECTORIES: [key: string, sampler: Sampler][] = [
    ['trajectory', 'DDIM'],
    ['dpmSolverTrajectory', 'DPM_SOLVER_PP'],
  ];
  for (const [key, sampler] of TRAJECTORIES) {
    it(`full ${sampler} trajectory (${key}) with guidance, and its decoded image`, async () => {
      const t = parity[key] as {
        steps: number;
        guidance: number;
        labels: number[];
        timesteps: number[];
        initialNoise: ParityArray;
        latents: ParityArray[];
        image: ParityArray;
      };
      const { manifest } = bundle;
      expect(ddimTimesteps(manifest.schedule, t.steps)).toEqual(t.timesteps);
      const shape = { channels: manifest.latent.channels, height: manifest.latent.height, width: manifest.latent.width };
      const diffs: number[] = [];
      const final = await sampleLatents(bundle.sessions.denoiser, {
        schedule: manifest.schedule,
        shape,
        noise: toArray(t.initialNoise) as Float32Array,
        labels: t.labels,
        nullLabel: manifest.nullLabel,
        sampler,
        steps: t.steps,
        guidance: t.guidance,
        onStep: (step, latents) => {
          const want = toArray(t.latents[step - 1]) as Float32Array;
          diffs.push(maxAbsDiff(latents, want) / Math.max(1, maxAbs(want)));
        },
      });
      expect(diffs).toHaveLength(t.steps);
      diffs.forEach((d, i) => expect(d).toBeLessThan(TOL.trajectoryPerStep * (i + 1)));
      const image = await decode(bundle.sessions.decoder, shape, manifest.image, final);
      const imageDiff = maxAbsDiff(image, toArray(t.image) as Float32Array);
      expect(imageDiff).toBeLessThan(TOL.image);
    });
  }
});
