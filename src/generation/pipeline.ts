// From pending images (index, class, attempt, seed) to privacy-checked PNGs, in bounded micro-batches.
import { ImageDcr, SubsetPairs } from '../privacy/dcr';
import { embeddingMatrix } from '../privacy/nn-search';
import { PrivacyIndex } from '../privacy/privacy-index';
import { LoadedBundle } from './bundle';
import { CohortParams, ImageRequest } from '../domain/cohort';
import { encodeGrayPng, toUint8 } from './png';
import { provenanceText } from './provenance';
import { ProviderName } from '../onnx/providers';
import { gaussianNoise } from '../domain/rng';
import { decode, embed, sampleLatents } from './sampler';
import type { Stage } from '../metrics/worker-metrics';

/** Hears how long each stage of a micro-batch took (the worker's stage histograms). */
export type StageTimer = (stage: Stage, seconds: number) => void;

const untimed: StageTimer = () => undefined;

/** Runs `work`, telling `timer` its duration: one clock read on each side, nothing else. */
async function timed<T>(timer: StageTimer, stage: Stage, work: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  const result = await work();
  timer(stage, (performance.now() - start) / 1000);
  return result;
}

export interface PendingImage extends ImageRequest {
  label: number;
  attempt: number;
  seed: bigint;
}

export interface CheckedImage {
  job: PendingImage;
  /** Exact distance to the nearest training embedding. */
  nnDistance: number;
  dcr: ImageDcr;
  /** The PNG when the image passed the privacy check (nnDistance >= threshold), else null. */
  png: Buffer | null;
}

const privacyIndexes = new WeakMap<SubsetPairs, Promise<PrivacyIndex>>();

/**
 * The privacy index of a model (its training and holdout embeddings and DCR subset pairs), built
 * once per pairs object and kept while it lives or until closePrivacyIndex. The engine may open it at
 * load on its provider (the search then runs where the model does, and a large reference set is
 * indexed before the first order); otherwise makeImages opens it on first use, on cpu.
 */
export function openPrivacyIndex(bundle: LoadedBundle, pairs: SubsetPairs, provider: ProviderName = 'cpu'): Promise<PrivacyIndex> {
  let index = privacyIndexes.get(pairs);
  if (!index) {
    index = PrivacyIndex.open(bundle.reference, bundle.holdout, pairs, provider);
    privacyIndexes.set(pairs, index);
    // A failed open is not kept: the next call tries again.
    index.catch(() => privacyIndexes.delete(pairs));
  }
  return index;
}

/** Releases the privacy index opened for `pairs`, if any (its onnxruntime session holds the references). */
export async function closePrivacyIndex(pairs: SubsetPairs): Promise<void> {
  const index = privacyIndexes.get(pairs);
  privacyIndexes.delete(pairs);
  if (index) await (await index).release();
}

/** A micro-batch sampled and decoded: the accelerator's part of the work. */
interface SampledBatch {
  jobs: PendingImage[];
  pixels: Uint8Array;
}

async function sampleBatch(bundle: LoadedBundle, params: CohortParams, jobs: PendingImage[], timer: StageTimer): Promise<SampledBatch> {
  const { manifest, sessions } = bundle;
  const shape = { channels: manifest.latent.channels, height: manifest.latent.height, width: manifest.latent.width };
  const rowSize = shape.channels * shape.height * shape.width;
  const noise = new Float32Array(jobs.length * rowSize);
  jobs.forEach((job, i) => noise.set(gaussianNoise(job.seed, rowSize), i * rowSize));
  const latents = await timed(timer, 'denoise', () => sampleLatents(sessions.denoiser, {
    schedule: manifest.schedule,
    shape,
    noise,
    labels: jobs.map((j) => j.label),
    nullLabel: manifest.nullLabel,
    sampler: params.sampler,
    steps: params.steps,
    guidance: params.guidance,
  }));
  return { jobs, pixels: toUint8(await timed(timer, 'decode', () => decode(sessions.decoder, shape, manifest.image, latents))) };
}

/** Embeds, privacy-checks and encodes a sampled micro-batch. */
async function checkBatch(bundle: LoadedBundle, pairs: SubsetPairs, params: CohortParams, { jobs, pixels }: SampledBatch, timer: StageTimer): Promise<CheckedImage[]> {
  const { manifest, sessions } = bundle;
  const { height, width } = manifest.image;
  // The privacy check embeds exactly the delivered 8-bit pixels, not the decoder's floats.
  const delivered = Float32Array.from(pixels, (v) => v / 127.5 - 1);
  const dim = manifest.privacy.embeddingDim;
  const queries = embeddingMatrix(await timed(timer, 'embed', () => embed(sessions.embedder, manifest.image, dim, delivered)), dim);

  const privacy = await openPrivacyIndex(bundle, pairs);
  if (privacy.reference !== bundle.reference) throw new Error('the DCR subset pairs were opened with another bundle');
  const checked = await timed(timer, 'nn_search', () => privacy.check(queries));
  return timed(timer, 'png', () => checked.map(({ nearest, dcr }, q) => {
    const job = jobs[q];
    const passed = nearest.distance >= manifest.privacy.threshold;
    const png = passed
      ? encodeGrayPng(
          { width, height, pixels: pixels.subarray(q * height * width, (q + 1) * height * width) },
          provenanceText({ params, bundleHash: bundle.bundleHash, index: job.index, birads: job.birads, seed: job.seed, attempt: job.attempt }),
        )
      : null;
    return { job, nnDistance: nearest.distance, dcr, png };
  }));
}

/**
 * `microBatch` images per ONNX run (bounded: memory stays flat; the denoiser sees twice as many
 * rows with guidance), or 1 where the provider's results depend on batch composition.
 * Two-stage pipeline: while micro-batch k is embedded, checked and encoded, micro-batch k+1 is
 * already sampling, so the denoiser (the accelerator on a GPU) does not wait for the CPU work.
 * Results come back in job order whatever the overlap. `overlap: false` runs the stages one
 * after the other (bench/pipeline.ts's baseline). `timer` hears each stage's duration.
 */
export async function makeImages(
  bundle: LoadedBundle,
  pairs: SubsetPairs,
  params: CohortParams,
  jobs: PendingImage[],
  microBatch: number,
  overlap = true,
  timer: StageTimer = untimed,
): Promise<CheckedImage[]> {
  const out: CheckedImage[] = [];
  const batches: PendingImage[][] = [];
  for (let i = 0; i < jobs.length; i += microBatch) batches.push(jobs.slice(i, i + microBatch));
  const start = (b: number): Promise<SampledBatch> | null => {
    if (b >= batches.length) return null;
    const sampling = sampleBatch(bundle, params, batches[b], timer);
    sampling.catch(() => undefined); // awaited below; until then a failure must not count as unhandled
    return sampling;
  };
  let next = start(0);
  for (let b = 0; next !== null; b++) {
    const sampled: SampledBatch = await next;
    next = overlap ? start(b + 1) : null;
    try {
      out.push(...(await checkBatch(bundle, pairs, params, sampled, timer)));
    } catch (e) {
      await next?.catch(() => undefined); // leave no sampling running behind a failure
      throw e;
    }
    if (!overlap) next = start(b + 1);
  }
  return out;
}
