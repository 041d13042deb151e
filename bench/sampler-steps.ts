// Fewer sampling steps at equal quality: DPM-Solver++(2M) against DDIM (the baseline), both
// measured in this run on the same bundle, initial noise, labels and guidance. The error of a
// result is its decoded images' RMS distance to those of a 250-step DDIM run from the same noise
// (in 8-bit grey levels), the usual convergence yardstick for ODE samplers. The table then picks
// the fewest DPM-Solver++ steps whose error is at most DDIM's at the bundle's default steps, and
// prints the images/s gained at that equal error.
//
// Run (from the repository root):  npx tsc -p tsconfig.build.json && node dist/bench/sampler-steps.js [--images 16] [--bundle DIR]
import { resolve } from 'node:path';
import { gaussianNoise } from '../src/domain/rng';
import { defaultBundleDirs, loadBundle, LoadedBundle } from '../src/generation/bundle';
import { decode, sampleLatents } from '../src/generation/sampler';
import type { Sampler } from '../src/domain/model';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const REFERENCE_STEPS = 250;
const STEPS = [10, 15, 20, 30];

async function sampleOnce(bundle: LoadedBundle, noise: Float32Array, labels: number[], sampler: Sampler, steps: number): Promise<Float32Array> {
  const { manifest, sessions } = bundle;
  return sampleLatents(sessions.denoiser, {
    schedule: manifest.schedule,
    shape: manifest.latent,
    noise,
    labels,
    nullLabel: manifest.nullLabel,
    sampler,
    steps,
    guidance: manifest.sampling.defaultGuidance,
  });
}

/** The decoded images, and images/s of sampling: the median of 3 timings, each repeated for at least 1 s (shared cores are noisy). */
async function run(bundle: LoadedBundle, noise: Float32Array, labels: number[], sampler: Sampler, steps: number, timed = true) {
  const latents = await sampleOnce(bundle, noise, labels, sampler, steps);
  const images = await decode(bundle.sessions.decoder, bundle.manifest.latent, bundle.manifest.image, latents);
  if (!timed) return { images, imagesPerSecond: NaN };
  const rates: number[] = [];
  for (let k = 0; k < 3; k++) {
    let made = 0;
    const t0 = process.hrtime.bigint();
    let seconds = 0;
    while (seconds < 1) {
      await sampleOnce(bundle, noise, labels, sampler, steps);
      made += labels.length;
      seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    rates.push(made / seconds);
  }
  return { images, imagesPerSecond: rates.sort((a, b) => a - b)[1] };
}

/** RMS difference in 8-bit grey levels (images are in [-1, 1], one level is 2/255). */
function rmsLevels(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length) * 127.5;
}

async function main(): Promise<void> {
  const count = Number(arg('--images') ?? 16);
  const bundle = await loadBundle(resolve(arg('--bundle') ?? defaultBundleDirs()[0]), 'cpu');
  const { manifest } = bundle;
  const rowSize = manifest.latent.channels * manifest.latent.height * manifest.latent.width;
  const noise = new Float32Array(count * rowSize);
  for (let i = 0; i < count; i++) noise.set(gaussianNoise(BigInt(1000 + i), rowSize), i * rowSize);
  const labels = Array.from({ length: count }, (_, i) => manifest.classes[i % manifest.classes.length].index);
  console.log(`bundle ${manifest.modelId}: ${count} images, guidance ${manifest.sampling.defaultGuidance}, cpu; reference: DDIM at ${REFERENCE_STEPS} steps`);
  const reference = await run(bundle, noise, labels, 'DDIM', REFERENCE_STEPS, false);

  const rows: { sampler: Sampler; steps: number; error: number; imagesPerSecond: number }[] = [];
  for (const steps of STEPS) {
    for (const sampler of ['DDIM', 'DPM_SOLVER_PP'] as const) {
      const r = await run(bundle, noise, labels, sampler, steps);
      rows.push({ sampler, steps, error: rmsLevels(r.images, reference.images), imagesPerSecond: r.imagesPerSecond });
    }
  }
  console.log('sampler        steps  RMS error (8-bit levels)  images/s');
  for (const r of rows) console.log(`${r.sampler.padEnd(14)} ${String(r.steps).padStart(5)}  ${r.error.toFixed(3).padStart(24)}  ${r.imagesPerSecond.toFixed(2).padStart(8)}`);

  const defaultSteps = manifest.sampling.defaultSteps;
  const baseline = rows.find((r) => r.sampler === 'DDIM' && r.steps === defaultSteps) ?? rows.filter((r) => r.sampler === 'DDIM').at(-1);
  if (!baseline) throw new Error('no DDIM row');
  const equal = rows.filter((r) => r.sampler === 'DPM_SOLVER_PP' && r.error <= baseline.error).sort((a, b) => a.steps - b.steps)[0];
  if (!equal) {
    console.log(`no DPM-Solver++ step count reached DDIM's error at ${baseline.steps} steps (${baseline.error.toFixed(3)} levels)`);
    return;
  }
  // Sampling time is the denoiser's, proportional to the steps: compare at equal error.
  console.log(
    `DDIM at ${baseline.steps} steps (baseline): ${baseline.error.toFixed(3)} levels, ${baseline.imagesPerSecond.toFixed(2)} images/s; ` +
      `DPM-Solver++ reaches that error at ${equal.steps} steps: ${equal.error.toFixed(3)} levels, ${equal.imagesPerSecond.toFixed(2)} images/s; ` +
      `ratio ${(equal.imagesPerSecond / baseline.imagesPerSecond).toFixed(2)} (steps alone: ${(baseline.steps / equal.steps).toFixed(2)})`,
  );
  for (const s of Object.values(bundle.sessions)) await s.release();
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
