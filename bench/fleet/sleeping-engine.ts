// The fleet benchmark's stand-in for the model: each generate() call sleeps a fixed time, as if a
// batch were being sampled, then returns valid records of placeholder images (seeded noise PNGs
// that say they are bench output), so the worker's queue, store, database and event path run
// exactly as in production while the model costs a known, CPU-free time.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CohortParams, DeliveredImage, ImageRequest } from '../../src/domain/cohort';
import type { CertificateModel, ModelSummary } from '../../src/domain/model';
import { SplitMix64 } from '../../src/domain/rng';
import type { SamplingEngine } from '../../src/domain/sampling-engine';
import { encodeGrayPng } from '../../src/generation/png';
import { provenanceText } from '../../src/generation/provenance';
import { deriveImageSeed } from '../../src/generation/seeds';

export class SleepingEngine implements SamplingEngine {
  /**
   * `real` answers for the models and their certificate facts (so orders validate and certify as
   * usual); it never samples.
   */
  constructor(
    private readonly real: SamplingEngine,
    private readonly msPerBatch: number,
  ) {}

  get provider(): SamplingEngine['provider'] {
    return this.real.provider;
  }

  models(): ModelSummary[] {
    return this.real.models();
  }

  certificateModel(modelId: string): CertificateModel {
    return this.real.certificateModel(modelId);
  }

  async generate(params: CohortParams, items: ImageRequest[], _onRejected?: unknown, signal?: AbortSignal): Promise<DeliveredImage[]> {
    const model = this.models().find((m) => m.modelId === params.modelId);
    if (!model) throw new Error(`model ${params.modelId} is not loaded`);
    const { threshold } = this.certificateModel(params.modelId);
    await sleep(this.msPerBatch, undefined, { signal });
    return items.map((item) => {
      const seed = deriveImageSeed(params.orderSeed, item.index, 0);
      const rng = new SplitMix64(seed);
      const pixels = Uint8Array.from({ length: model.width * model.height }, () => Math.floor(rng.nextUniform() * 256));
      const text = { ...provenanceText({ params, bundleHash: model.bundleHash, index: item.index, birads: item.birads, seed, attempt: 0 }), 'SynthBUS-Bench': 'sleeping engine placeholder, not a model output' };
      const png = encodeGrayPng({ width: model.width, height: model.height, pixels }, text);
      const sha256 = createHash('sha256').update(png).digest('hex');
      // At the threshold (passes), and a DCR share of 1/2 (no sign of memorisation): certifiable.
      const dcr = { trainCloserShare: 0.5, holdoutNnDistance: threshold };
      return { png, record: { index: item.index, birads: item.birads, seed: seed.toString(), attempt: 0, sha256, nnDistance: threshold, threshold, passed: true as const, rejections: [], dcr } };
    });
  }

  close(): Promise<void> {
    return this.real.close();
  }
}
