// Runs the three graphs: sampling (DDIM or DPM-Solver++) with classifier-free guidance, decoding,
// embedding.
// Works on whatever rows it is given; the engine decides batch composition.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Sampler } from '../domain/model';
import { DdimSchedule, guide, stepper } from './scheduler';

export interface LatentShape {
  channels: number;
  height: number;
  width: number;
}

export interface SampleRequest {
  schedule: DdimSchedule;
  shape: LatentShape;
  /** N rows of initial noise, N * C * h * w values. */
  noise: Float32Array;
  /** Class label index per row. */
  labels: number[];
  nullLabel: number;
  /** DDIM when omitted. */
  sampler?: Sampler;
  steps: number;
  guidance: number;
  /** Hears the latents after each step (parity tests, progress). */
  onStep?: (step: number, latents: Float32Array) => void;
}

/** Runs a one-output graph and checks the output holds `expected` values per row. */
async function runOne(session: InferenceSession, feeds: Record<string, Tensor>, rows: number, perRow: number): Promise<Float32Array> {
  const results = await session.run(feeds);
  const out = results[session.outputNames[0]];
  const data = out.data as Float32Array;
  out.dispose();
  if (data.length !== rows * perRow) {
    throw new Error(`graph output ${session.outputNames[0]} has shape [${out.dims.join(',')}], expected ${rows} rows of ${perRow} values`);
  }
  return data;
}

/** One denoiser evaluation on `rows` latents with the given labels. */
async function denoise(session: InferenceSession, shape: LatentShape, latents: Float32Array, t: number, labels: number[]): Promise<Float32Array> {
  const rows = labels.length;
  const rowSize = shape.channels * shape.height * shape.width;
  const feeds = {
    latent: new Tensor('float32', latents, [rows, shape.channels, shape.height, shape.width]),
    timestep: new Tensor('float32', new Float32Array(rows).fill(t), [rows]),
    label: new Tensor('int64', BigInt64Array.from(labels, (l) => BigInt(l)), [rows]),
  };
  return runOne(session, feeds, rows, rowSize);
}

/**
 * From noise to final latents with the request's sampler. With guidance != 1 each step runs one denoiser call on 2N rows:
 * the N conditional rows, then the same latents with the null label (docs/bundle-format.md).
 */
export async function sampleLatents(denoiser: InferenceSession, req: SampleRequest): Promise<Float32Array> {
  const { schedule, shape, labels, steps, guidance } = req;
  const n = labels.length;
  const rowSize = shape.channels * shape.height * shape.width;
  if (req.noise.length !== n * rowSize) throw new RangeError(`noise has ${req.noise.length} values, expected ${n * rowSize}`);
  const walk = stepper(req.sampler ?? 'DDIM', schedule, steps);
  const { timesteps } = walk;
  const guided = guidance !== 1;
  const batchLabels = guided ? [...labels, ...labels.map(() => req.nullLabel)] : labels;
  let x = req.noise;
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    let input = x;
    if (guided) {
      input = new Float32Array(2 * x.length);
      input.set(x, 0);
      input.set(x, x.length);
    }
    const out = await denoise(denoiser, shape, input, t, batchLabels);
    const prediction = guided ? guide(out.subarray(0, x.length), out.subarray(x.length), guidance) : out;
    x = walk.step(x, prediction);
    req.onStep?.(i + 1, x);
  }
  return x;
}

/** Decoder: latents [N,C,h,w] to images [N,1,H,W] in about [-1, 1]. */
export function decode(decoder: InferenceSession, shape: LatentShape, image: { height: number; width: number }, latents: Float32Array): Promise<Float32Array> {
  const n = latents.length / (shape.channels * shape.height * shape.width);
  return runOne(decoder, { latent: new Tensor('float32', latents, [n, shape.channels, shape.height, shape.width]) }, n, image.height * image.width);
}

/** Embedder: images [N,1,H,W] in [-1, 1] to unit embeddings [N,D]. */
export function embed(embedder: InferenceSession, image: { height: number; width: number }, dim: number, images: Float32Array): Promise<Float32Array> {
  const n = images.length / (image.height * image.width);
  return runOne(embedder, { image: new Tensor('float32', images, [n, 1, image.height, image.width]) }, n, dim);
}
