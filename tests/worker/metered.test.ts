// The worker's metering wrappers: counts and timings taken at the engine and store ports, with
// everything else passed through unchanged.
import type { CohortParams, DeliveredImage, ImageRequest } from '../../src/domain/cohort';
import type { Rejection, SamplingEngine } from '../../src/domain/sampling-engine';
import { createWorkerMetrics } from '../../src/metrics/worker-metrics';
import type { ContentStore } from '../../src/storage/content-store';
import { meteredEngine, meteredStore } from '../../src/worker/metered';

async function value(metrics: ReturnType<typeof createWorkerMetrics>, name: string, labels: Record<string, string>): Promise<number> {
  // A histogram's samples are named <name>_bucket, _sum and _count.
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => name === m.name || name.startsWith(`${m.name}_`));
  const values = (metric?.values ?? []) as { value: number; labels: Partial<Record<string, string | number>>; metricName?: string }[];
  const found = values.find((v) => (v.metricName ?? metric?.name) === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
}

/** An engine that rejects each image once before delivering it. */
const engine: SamplingEngine = {
  provider: 'cpu',
  models: () => [],
  certificateModel: () => {
    throw new Error('unused');
  },
  generate: async (_params: CohortParams, items: ImageRequest[], onRejected?: (r: Rejection) => void) => {
    for (const item of items) onRejected?.({ index: item.index, attempt: 0, nnDistance: 0.1 });
    return items.map((item) => ({ record: { index: item.index }, png: Buffer.alloc(1) }) as unknown as DeliveredImage);
  },
  close: async () => undefined,
};

test('images made and rejected are counted per model; rejections still reach the caller', async () => {
  const metrics = createWorkerMetrics();
  const heard: number[] = [];
  const images = await meteredEngine(engine, metrics).generate({ modelId: 'm1' } as CohortParams, [{ index: 0, birads: 2 }, { index: 1, birads: 3 }, { index: 2, birads: 3 }], (r) => heard.push(r.index));
  expect(images).toHaveLength(3);
  expect(heard).toEqual([0, 1, 2]);
  expect(await value(metrics, 'synthbus_worker_images_made_total', { model_id: 'm1' })).toBe(3);
  expect(await value(metrics, 'synthbus_worker_images_rejected_total', { model_id: 'm1' })).toBe(3);
  expect(await value(metrics, 'synthbus_worker_images_made_total', { model_id: 'm2' })).toBe(0);
});

test('the store: put() is timed as the store stage, a failed one too; other members pass through', async () => {
  const metrics = createWorkerMetrics();
  let fail = false;
  const store = {
    put: async () => {
      if (fail) throw new Error('disk full');
      return 'sha';
    },
    has: async (sha: string) => sha === 'sha',
    root: '/images',
  } as unknown as ContentStore & { root: string };
  const metered = meteredStore(store, metrics);
  expect(await metered.put(Buffer.alloc(1))).toBe('sha');
  fail = true;
  await expect(metered.put(Buffer.alloc(1))).rejects.toThrow('disk full');
  expect(await metered.has('sha')).toBe(true);
  expect(metered.root).toBe('/images');
  expect(await value(metrics, 'synthbus_worker_stage_seconds_count', { stage: 'store' })).toBe(2);
  expect(await value(metrics, 'synthbus_worker_stage_seconds_count', { stage: 'denoise' })).toBe(0);
});
