// Images per second for a 64-image batch at the bundle's default steps and guidance on CPU:
// the engine (onnxruntime-node, src/generation/engine.ts) vs the same ONNX graphs and the same
// pipeline in Python onnxruntime (bench/engine_baseline.py), run in this same invocation.
//
// Run (from the repository root):  npx tsc -p tsconfig.build.json && node dist/bench/engine.js [--images 64] [--bundle DIR]
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { defaultBundleDirs } from '../src/generation/bundle';
import { createEngine } from '../src/generation/engine';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const images = Number(arg('--images') ?? 64);
  const dir = resolve(arg('--bundle') ?? defaultBundleDirs()[0]);
  const engine = await createEngine({ bundleDirs: [dir], log: (l) => console.log(`engine: ${l}`) });
  const m = engine.models()[0];
  const params = { modelId: m.modelId, orderId: 'bench', certificateId: 'bench', orderSeed: 1, sampler: 'DDIM' as const, steps: m.defaultSteps, guidance: m.defaultGuidance };
  const items = Array.from({ length: images }, (_, index) => ({ index, birads: m.classes[index % m.classes.length].birads }));
  let rejected = 0;
  await engine.generate(params, items.slice(0, 2)); // warm-up
  const t0 = process.hrtime.bigint();
  await engine.generate(params, items, () => rejected++);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await engine.close();
  const ours = images / seconds;
  console.log(`onnxruntime-node (engine): ${images} images, ${m.defaultSteps} steps, guidance ${m.defaultGuidance}: ${seconds.toFixed(2)} s, ${ours.toFixed(2)} images/s (${rejected} resampled)`);

  const script = join(process.cwd(), 'bench', 'engine_baseline.py'); // run from the repository root
  const out = execFileSync('python3', [script, dir, '--images', String(images), '--steps', String(m.defaultSteps), '--guidance', String(m.defaultGuidance)], { encoding: 'utf8' });
  const base = JSON.parse(out.trim().split('\n').pop() as string) as { imagesPerSecond: number; seconds: number; onnxruntime: string };
  console.log(`python onnxruntime ${base.onnxruntime} (baseline): ${base.seconds.toFixed(2)} s, ${base.imagesPerSecond.toFixed(2)} images/s`);
  console.log(`ratio engine / baseline: ${(ours / base.imagesPerSecond).toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
