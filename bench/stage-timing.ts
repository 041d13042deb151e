// Do the worker's stage timers slow the engine? makeImages with the stage timer the worker installs
// (a prom-client histogram observing denoise, decode, embed, nn_search and png per micro-batch)
// against the same images without one, alternated three times each in one run; prints both
// images/s (medians) and their ratio.
//
// Run (from the repository root):  npx tsc -p tsconfig.build.json && node dist/bench/stage-timing.js [--images 64] [--micro-batch 16] [--bundle DIR]
import { resolve } from 'node:path';
import type { CohortParams } from '../src/domain/cohort';
import { defaultBundleDirs, loadBundle } from '../src/generation/bundle';
import { closePrivacyIndex, makeImages, openPrivacyIndex, PendingImage, StageTimer } from '../src/generation/pipeline';
import { deriveImageSeed } from '../src/generation/seeds';
import { createWorkerMetrics } from '../src/metrics/worker-metrics';
import { subsetPairs } from '../src/privacy/dcr';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const count = Number(arg('--images') ?? 64);
  const microBatch = Number(arg('--micro-batch') ?? 16);
  const bundle = await loadBundle(resolve(arg('--bundle') ?? defaultBundleDirs()[0]), 'cpu');
  const { manifest } = bundle;
  const pairs = subsetPairs(bundle.reference.count, bundle.holdout.count, 32, BigInt(`0x${bundle.bundleHash.slice(0, 16)}`));
  await openPrivacyIndex(bundle, pairs, 'cpu');
  const params: CohortParams = { modelId: manifest.modelId, orderId: 'bench', certificateId: 'bench', orderSeed: 7, sampler: 'DDIM' as const, steps: manifest.sampling.defaultSteps, guidance: manifest.sampling.defaultGuidance };
  const jobs: PendingImage[] = Array.from({ length: count }, (_, index) => {
    const c = manifest.classes[index % manifest.classes.length];
    return { index, birads: c.birads, label: c.index, attempt: 0, seed: deriveImageSeed(params.orderSeed, index, 0) };
  });
  const metrics = createWorkerMetrics();
  const timer: StageTimer = (stage, seconds) => metrics.stageSeconds.observe({ stage }, seconds);
  await makeImages(bundle, pairs, params, jobs.slice(0, microBatch), microBatch); // warm-up
  console.log(`bundle ${manifest.modelId}: ${count} images, micro-batch ${microBatch}, ${params.steps} steps, cpu`);
  const rates: Record<'untimed' | 'timed', number[]> = { untimed: [], timed: [] };
  for (let k = 0; k < 3; k++) {
    for (const mode of ['untimed', 'timed'] as const) {
      const t0 = process.hrtime.bigint();
      await makeImages(bundle, pairs, params, jobs, microBatch, true, mode === 'timed' ? timer : undefined);
      rates[mode].push(count / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
  }
  const untimed = median(rates.untimed);
  const timed = median(rates.timed);
  console.log(`untimed (baseline): ${untimed.toFixed(1)} images/s`);
  console.log(`timed (worker's stage histograms): ${timed.toFixed(1)} images/s`);
  console.log(`ratio timed/untimed: ${(timed / untimed).toFixed(3)}`);
  await closePrivacyIndex(pairs);
  await Promise.all(Object.values(bundle.sessions).map((s) => s.release()));
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
