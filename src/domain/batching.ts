// How many images a worker asks the engine for per call (`batchSize`: progress is recorded after
// each call, so it also sets how often a partner sees an image land) and how many the engine runs
// through ONNX at once (`microBatch`; the denoiser sees twice as many rows, for guidance), per
// execution provider. Measured with bench/batch-size.ts; docs/performance.md has the tables.
// SYNTHBUS_BATCH_SIZE and SYNTHBUS_MICRO_BATCH override them.
import type { ProviderName } from './model';

export interface Batching {
  batchSize: number;
  microBatch: number;
}

export const BATCHING: Record<ProviderName, Batching> = {
  // cpu: bigger runs amortize ONNX's per-run overhead. Shipped bundle, 2 cores, load 3, best of 5
  // (bench/batch-size.ts): 16/16 89.6 images/s = 1.17× the old 4/16 (76.3), 0.19 s per call;
  // 32/32 is faster still (1.46×) but doubles the wait between progress events, and in one sweep
  // under heavy load one of its engines failed the batch-invariance check and fell back to one
  // image per run (not seen again in six quiet checks at 16 and 32).
  cpu: { batchSize: 16, microBatch: 16 },
  // GPU providers: NOT MEASURED yet (no GPU machine was lent since this table was made); a GPU
  // fills only with many rows per run, so the call is twice the CPU's. bench/gpu/run.sh prints
  // the sweep that replaces these rows.
  webgpu: { batchSize: 32, microBatch: 16 },
  cuda: { batchSize: 32, microBatch: 16 },
};

/** The provider's batching, with the operator's overrides (undefined: the measured default). */
export function batchingFor(provider: ProviderName, overrides: Partial<Batching> = {}): Batching {
  const d = BATCHING[provider];
  return { batchSize: overrides.batchSize ?? d.batchSize, microBatch: overrides.microBatch ?? d.microBatch };
}
