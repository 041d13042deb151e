// A worker process's Prometheus metrics (prom-client), on a registry of its own, served on the
// worker's port (worker/probe-server.ts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The stages of making an image, each timed per micro-batch (store: per image). */
export const STAGES = ['denoise', 'decode', 'embed', 'nn_search', 'png', 'store'] as const;
export type Stage = (typeof STAGES)[number];

/** Seconds per stage: 1 ms to 2 minutes (a large denoiser batch on a CPU). */
const STAGE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface WorkerMetrics {
  registry: Registry;
  imagesMade: Counter<'model_id'>;
  imagesRejected: Counter<'model_id'>;
  stageSeconds: Histogram<'stage'>;
  shardRuns: Counter<'outcome'>;
  bundles: Gauge<'model_id' | 'sha256'>;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'synthbus_worker_' });
  const registers = [registry];
  return {
    registry,
    imagesMade: new Counter({ name: 'synthbus_worker_images_made_total', help: 'Images that passed the privacy check and were recorded for their order.', labelNames: ['model_id'], registers }),
    imagesRejected: new Counter({ name: 'synthbus_worker_images_rejected_total', help: 'Images refused by the privacy check (too near a training image) and sampled again.', labelNames: ['model_id'], registers }),
    stageSeconds: new Histogram({
      name: 'synthbus_worker_stage_seconds',
      help: 'Time per stage: denoise, decode, embed, nn_search (exact nearest-neighbour search) and png per micro-batch; store per image.',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      registers,
    }),
    shardRuns: new Counter({
      name: 'synthbus_worker_shard_runs_total',
      help: 'Shard runs by outcome: completed, retried (failed, queued again with backoff), failed (its order failed), handed_back (worker draining or database outage).',
      labelNames: ['outcome'],
      registers,
    }),
    bundles: new Gauge({ name: 'synthbus_worker_bundle_info', help: 'Model bundles this worker loaded and verified: 1 per model id and bundle sha256.', labelNames: ['model_id', 'sha256'], registers }),
  };
}
