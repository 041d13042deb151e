// The worker's metrics taken at its two ports, without touching the shard logic: the sampling
// engine (images made and rejected) and the content store (time per stored image).
import type { SamplingEngine } from '../domain/sampling-engine';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import type { ContentStore } from '../storage/content-store';

export function meteredEngine(engine: SamplingEngine, metrics: WorkerMetrics): SamplingEngine {
  return {
    get provider() {
      return engine.provider;
    },
    models: () => engine.models(),
    certificateModel: (modelId) => engine.certificateModel(modelId),
    generate: async (params, items, onRejected, signal) => {
      const modelId = { model_id: params.modelId };
      const images = await engine.generate(
        params,
        items,
        (r) => {
          metrics.imagesRejected.inc(modelId);
          onRejected?.(r);
        },
        signal,
      );
      metrics.imagesMade.inc(modelId, images.length);
      return images;
    },
    close: () => engine.close(),
  };
}

/** `store` with each put() timed as the 'store' stage; every other member passes through. */
export function meteredStore<S extends ContentStore>(store: S, metrics: WorkerMetrics): S {
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'put') return value.bind(target);
      return async (...args: unknown[]) => {
        const end = metrics.stageSeconds.startTimer({ stage: 'store' });
        try {
          return await value.apply(target, args);
        } finally {
          end();
        }
      };
    },
  });
}
