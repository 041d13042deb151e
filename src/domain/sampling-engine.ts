// The port between the worker and whatever samples images (src/generation implements it with
// onnxruntime). The worker only talks to a SamplingEngine.
import type { CohortParams, DeliveredImage, ImageRequest } from './cohort';
import type { CertificateModel, ModelSummary, ProviderName } from './model';

export interface Rejection {
  index: number;
  attempt: number;
  nnDistance: number;
}

export interface SamplingEngine {
  /** The execution provider that actually runs (after any fallback). */
  readonly provider: ProviderName;
  models(): ModelSummary[];
  /** The privacy facts a certificate of this model states. Throws InputError for an unknown model. */
  certificateModel(modelId: string): CertificateModel;
  /**
   * Makes and privacy-checks the given images. Deterministic: the same params and items give
   * byte-identical PNGs. Images that fail the check are resampled with the next attempt's seed;
   * `onRejected` hears of each rejection. Throws InputError naming the field for bad input, and
   * an Error if an image still fails after the last attempt. An aborted `signal` stops the run
   * between micro-batches (it rejects with the signal's reason).
   */
  generate(params: CohortParams, items: ImageRequest[], onRejected?: (r: Rejection) => void, signal?: AbortSignal): Promise<DeliveredImage[]>;
  close(): Promise<void>;
}
