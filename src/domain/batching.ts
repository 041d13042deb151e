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
  // cpu: measured on the shipped bundle (synthbus-busbra-256-v1, 256×256, 2 cores, 16 images,
  // bench/batch-size.ts): images/s is flat from 1 to 32 per run (0.30-0.40; ONNX's per-run overhead
  // is nothing beside a 19M-parameter denoiser), while the wait between progress events grows with
  // the call: 2/2 0.40 images/s at 5 s per call, 16/16 0.33 at 49 s. On the tiny test fixture,
  // where per-run overhead dominates, 16/16 was 1.17× 4/16 and 2/2 0.93×.
  cpu: { batchSize: 2, microBatch: 2 },
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
