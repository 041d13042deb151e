// Does the denoiser wait for the CPU? The engine's micro-batch pipeline overlaps sampling batch
// k+1 with embedding, privacy-checking and PNG-encoding batch k. This runs the same images with
// the stages one after the other (the baseline) and overlapped, in one run, and prints the
// denoiser's utilisation (its busy time / wall time) and images/s for both. On CPU the denoiser
// and the CPU stages share the same cores, so the gain is small; on a GPU the CPU stages are
// free time (bench/gpu runs this too).
//
// Run (from the repository root):  npx tsc -p tsconfig.build.json && node dist/bench/pipeline.js [--images 64] [--bundle DIR] [--provider cpu] [--micro-batch N: default the provider's]
import { resolve } from 'node:path';
import type { CohortParams } from '../src/domain/cohort';
import { defaultBundleDirs, loadBundle } from '../src/generation/bundle';
import { BATCHING } from '../src/domain/batching';
import { closePrivacyIndex, makeImages, openPrivacyIndex, PendingImage } from '../src/generation/pipeline';
import { deriveImageSeed } from '../src/generation/seeds';
import { parseProvider } from '../src/onnx/providers';
import { subsetPairs } from '../src/privacy/dcr';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const count = Number(arg('--images') ?? 64);
  const provider = parseProvider(arg('--provider') ?? 'cpu');
  const microBatch = Number(arg('--micro-batch') ?? BATCHING[provider].microBatch);
  const bundle = await loadBundle(resolve(arg('--bundle') ?? defaultBundleDirs()[0]), provider);
  const { manifest } = bundle;
  const pairs = subsetPairs(bundle.reference.count, bundle.holdout.count, 32, BigInt(`0x${bundle.bundleHash.slice(0, 16)}`));
  await openPrivacyIndex(bundle, pairs, provider);

  // The denoiser's busy time, summed over its runs (they never overlap each other).
  const denoiser = bundle.sessions.denoiser;
  const run = denoiser.run.bind(denoiser);
  let busy = 0;
  denoiser.run = (async (...a: Parameters<typeof run>) => {
    const t0 = process.hrtime.bigint();
    try {
      return await run(...a);
    } finally {
      busy += Number(process.hrtime.bigint() - t0) / 1e9;
    }
  }) as typeof denoiser.run;

  const params: CohortParams = { modelId: manifest.modelId, orderId: 'bench', certificateId: 'bench', orderSeed: 7, sampler: 'DDIM' as const, steps: manifest.sampling.defaultSteps, guidance: manifest.sampling.defaultGuidance };
  const jobs: PendingImage[] = Array.from({ length: count }, (_, index) => {
    const c = manifest.classes[index % manifest.classes.length];
    return { index, birads: c.birads, label: c.index, attempt: 0, seed: deriveImageSeed(params.orderSeed, index, 0) };
  });
  await makeImages(bundle, pairs, params, jobs.slice(0, microBatch), microBatch); // warm-up
  console.log(`bundle ${manifest.modelId}: ${count} images, micro-batch ${microBatch}, ${params.steps} steps, guidance ${params.guidance}, ${provider}`);
  const results: Record<string, { imagesPerSecond: number; utilisation: number }> = {};
  // Alternate the two modes three times each and keep the median: the cores are shared.
  const runs: Record<string, { imagesPerSecond: number; utilisation: number }[]> = { sequential: [], overlapped: [] };
  for (let k = 0; k < 3; k++) {
    for (const [name, overlap] of [['sequential', false], ['overlapped', true]] as const) {
      busy = 0;
      const t0 = process.hrtime.bigint();
      await makeImages(bundle, pairs, params, jobs, microBatch, overlap);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      runs[name].push({ imagesPerSecond: count / wall, utilisation: busy / wall });
    }
  }
  for (const [name, list] of Object.entries(runs)) {
    results[name] = list.sort((a, b) => a.imagesPerSecond - b.imagesPerSecond)[1];
    console.log(`${name.padEnd(10)} (${name === 'sequential' ? 'baseline' : 'engine'}): ${results[name].imagesPerSecond.toFixed(2)} images/s, denoiser utilisation ${(100 * results[name].utilisation).toFixed(1)}%`);
  }
  console.log(`ratio overlapped / sequential: ${(results.overlapped.imagesPerSecond / results.sequential.imagesPerSecond).toFixed(2)}`);
  await closePrivacyIndex(pairs);
  for (const s of Object.values(bundle.sessions)) await s.release();
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
