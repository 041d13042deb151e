// The sampling engine the worker talks to (domain/sampling-engine.ts): loads bundles, makes images
// in bounded micro-batches, privacy-checks each one by exact search, resamples rejects.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { SubsetPairs, subsetPairs } from '../privacy/dcr';
import { loadBundle, LoadedBundle, readBundle } from './bundle';
import type { CohortParams, DeliveredImage, ImagePrivacyRecord, ImageRequest } from '../domain/cohort';
import { batchingFor } from '../domain/batching';
import { InputError } from '../domain/input-error';
import type { CertificateModel, ModelSummary } from '../domain/model';
import type { Rejection, SamplingEngine } from '../domain/sampling-engine';
import { checkImageRequests, checkParams, checkRanges } from './requests';
import { isBatchInvariant } from './batch-invariance';
import { closePrivacyIndex, makeImages, openPrivacyIndex, PendingImage, StageTimer } from './pipeline';
import { ProviderName, resolveProvider } from '../onnx/providers';
import { deriveImageSeed } from './seeds';

export interface EngineOptions {
  bundleDirs: string[];
  provider?: ProviderName;
  log?: (line: string) => void;
  /** Attempts per image before generate() gives up (default 8). */
  maxAttempts?: number;
  /** Random subset pairs for the DCR share (default 32). */
  dcrSubsets?: number;
  /** Images per ONNX run (default: the provider's, domain/batching.ts; the denoiser sees twice as many rows). */
  microBatch?: number;
  /** Hears each stage's duration per micro-batch (denoise, decode, embed, nn_search, png). */
  onStage?: StageTimer;
}

export type Engine = SamplingEngine & {
  /** Throws InputError naming the field when the request is outside the model's ranges. */
  validate(modelId: string, birads: number[], steps: number, guidance: number): void;
};

interface Model {
  bundle: LoadedBundle;
  pairs: SubsetPairs;
  /** Images per ONNX run: the configured micro-batch when batch-invariant on this provider, else 1. */
  microBatch: number;
  certificate: CertificateModel;
}

class OnnxSamplingEngine implements Engine {
  /** Serializes ONNX work: runs share the sessions and the CPU, and batches stay bounded. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly provider: ProviderName,
    private readonly byId: Map<string, Model>,
    private readonly maxAttempts: number,
    private readonly onStage?: StageTimer,
  ) {}

  models(): ModelSummary[] {
    return [...this.byId.values()].map((m) => m.bundle.summary);
  }

  private model(modelId: string): Model {
    const model = this.byId.get(modelId);
    if (!model) throw new InputError('modelId', `model "${modelId}" is not loaded (loaded: ${[...this.byId.keys()].join(', ')})`);
    return model;
  }

  validate(modelId: string, birads: number[], steps: number, guidance: number): void {
    checkRanges(this.model(modelId).bundle.summary, birads, steps, guidance);
  }

  certificateModel(modelId: string): CertificateModel {
    return this.model(modelId).certificate;
  }

  async generate(
    params: CohortParams,
    items: ImageRequest[],
    onRejected?: (r: Rejection) => void,
    signal?: AbortSignal,
  ): Promise<DeliveredImage[]> {
    // Everything about the request is checked before any ONNX work is queued.
    const model = this.model(params.modelId);
    checkParams(params);
    checkRanges(model.bundle.summary, items.map((i) => i.birads), params.steps, params.guidance);
    checkImageRequests(items);
    const run = this.queue.then(() => this.run(model, params, items, onRejected, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(
    model: Model,
    params: CohortParams,
    items: ImageRequest[],
    onRejected?: (r: Rejection) => void,
    signal?: AbortSignal,
  ): Promise<DeliveredImage[]> {
    const { manifest } = model.bundle;
    const label = new Map(manifest.classes.map((c) => [c.birads, c.index]));
    const delivered = new Map<number, DeliveredImage>();
    const rejections = new Map<number, { attempt: number; seed: string; nnDistance: number }[]>();
    let pending: PendingImage[] = items.map((item) => ({
      ...item,
      label: label.get(item.birads) as number,
      attempt: 0,
      seed: deriveImageSeed(params.orderSeed, item.index, 0),
    }));
    while (pending.length > 0) {
      signal?.throwIfAborted();
      const retry: PendingImage[] = [];
      for (const { job, nnDistance, png, dcr } of await makeImages(model.bundle, model.pairs, params, pending, model.microBatch, true, this.onStage)) {
        if (png) {
          const record: ImagePrivacyRecord = {
            index: job.index,
            birads: job.birads,
            seed: job.seed.toString(),
            attempt: job.attempt,
            sha256: createHash('sha256').update(png).digest('hex'),
            nnDistance,
            threshold: manifest.privacy.threshold,
            passed: true,
            rejections: rejections.get(job.index) ?? [],
            dcr: { ...dcr },
          };
          delivered.set(job.index, { record, png });
          continue;
        }
        const list = rejections.get(job.index) ?? [];
        list.push({ attempt: job.attempt, seed: job.seed.toString(), nnDistance });
        rejections.set(job.index, list);
        onRejected?.({ index: job.index, attempt: job.attempt, nnDistance });
        if (job.attempt + 1 >= this.maxAttempts) {
          throw new Error(
            `image ${job.index} failed the privacy check ${this.maxAttempts} times (last nearest-neighbour distance ` +
              `${nnDistance.toFixed(4)} < threshold ${manifest.privacy.threshold}); no image of this run is delivered`,
          );
        }
        retry.push({ ...job, attempt: job.attempt + 1, seed: deriveImageSeed(params.orderSeed, job.index, job.attempt + 1) });
      }
      pending = retry;
    }
    return items.map((item) => delivered.get(item.index) as DeliveredImage);
  }

  async close(): Promise<void> {
    await this.queue;
    for (const m of this.byId.values()) await releaseModel(m);
    this.byId.clear();
  }
}

/** Frees a loaded model's ONNX sessions, its privacy index's among them. */
async function releaseModel(m: Pick<Model, 'bundle' | 'pairs'>): Promise<void> {
  await closePrivacyIndex(m.pairs);
  await Promise.all(Object.values(m.bundle.sessions).map((s) => s.release()));
}

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const log = opts.log ?? ((line: string) => console.log(line));
  if (opts.bundleDirs.length === 0) throw new InputError('bundleDirs', 'at least one model bundle folder is needed');
  if (opts.microBatch !== undefined && (!Number.isInteger(opts.microBatch) || opts.microBatch < 1)) {
    throw new InputError('microBatch', `microBatch must be a positive integer, got ${opts.microBatch}`);
  }
  let microBatch = opts.microBatch ?? 1;
  const byId = new Map<string, Model>();
  let provider: ProviderName | null = null;
  try {
    for (const dir of opts.bundleDirs) {
      if (provider === null) {
        // The decoder is the smallest graph: a cheap probe of whether the provider can start.
        const first = readBundle(dir);
        provider = await resolveProvider(opts.provider ?? 'cpu', join(first.dir, first.manifest.graphs.decoder.file), log);
        microBatch = batchingFor(provider, { microBatch: opts.microBatch }).microBatch;
      }
      const bundle = await loadBundle(dir, provider);
      if (byId.has(bundle.manifest.modelId)) {
        await Promise.all(Object.values(bundle.sessions).map((s) => s.release()));
        throw new InputError('bundleDirs', `${dir}: model id ${bundle.manifest.modelId} is already loaded from another folder`);
      }
      const { manifest } = bundle;
      const k = opts.dcrSubsets ?? 32;
      const pairs = subsetPairs(bundle.reference.count, bundle.holdout.count, k, BigInt(`0x${bundle.bundleHash.slice(0, 16)}`));
      // Built now, on the model's provider, rather than on the first batch (about 1 s at 1M rows).
      await openPrivacyIndex(bundle, pairs, provider);
      const invariant = await isBatchInvariant(bundle, microBatch);
      if (!invariant) {
        log(`warning: ${provider} gives batch-dependent results for ${manifest.modelId}; sampling one image per run so every PNG is reproducible`);
      }
      byId.set(manifest.modelId, {
        bundle,
        pairs,
        microBatch: invariant ? microBatch : 1,
        certificate: {
          modelId: manifest.modelId,
          name: manifest.name,
          bundleHash: bundle.bundleHash,
          threshold: manifest.privacy.threshold,
          trainNnQuantiles: manifest.privacy.calibration.trainNnQuantiles,
          holdoutNnQuantiles: manifest.privacy.calibration.holdoutNnQuantiles,
          dcrSubsets: { count: k, size: pairs.size },
        },
      });
      log(`model ${manifest.modelId} loaded from ${bundle.dir} (bundle ${bundle.bundleHash.slice(0, 12)}${manifest.provenance.fixture ? ', TEST FIXTURE' : ''})`);
    }
  } catch (e) {
    for (const m of byId.values()) await releaseModel(m);
    throw e;
  }
  return new OnnxSamplingEngine(provider as ProviderName, byId, opts.maxAttempts ?? 8, opts.onStage);
}
