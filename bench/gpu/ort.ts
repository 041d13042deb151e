// GPU side of bench/gpu/run.sh: onnxruntime-node on the requested provider (webgpu by default).
// (1) denoiser evaluations per second at several batch sizes; (2) the engine's images per second
// for a 64-image batch at the bundle's default steps and guidance. Prints one "RESULT {json}" line.
//
// Run (normally through bench/gpu/run.sh): node dist/bench/gpu/ort.js --bundle DIR [--provider webgpu] [--batches 16,32,64,128] [--images 64] [--micro-batch 16,32]
import { join, resolve } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { readBundle } from '../../src/generation/bundle';
import { createEngine } from '../../src/generation/engine';
import { createSession, parseProvider } from '../../src/onnx/providers';
import { gaussianNoise } from '../../src/domain/rng';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const dir = resolve(arg('--bundle', 'tests/fixtures/tiny-bundle'));
  const provider = parseProvider(arg('--provider', 'webgpu'));
  const batches = arg('--batches', '16,32,64,128').split(',').map(Number);
  const microBatches = arg('--micro-batch', '16,32').split(',').map(Number);
  const images = Number(arg('--images', '64'));
  const bundle = readBundle(dir);
  const L = bundle.manifest.latent;
  const result: Record<string, unknown> = { provider, bundle: bundle.manifest.modelId, evaluationsPerSecond: {}, imagesPerSecond: {} };

  const session = await createSession(join(dir, bundle.manifest.graphs.denoiser.file), provider);
  for (const b of batches) {
    const feeds = {
      latent: new Tensor('float32', gaussianNoise(BigInt(b), b * L.channels * L.height * L.width), [b, L.channels, L.height, L.width]),
      timestep: new Tensor('float32', new Float32Array(b).fill(500), [b]),
      label: new Tensor('int64', new BigInt64Array(b).fill(BigInt(bundle.manifest.nullLabel)), [b]),
    };
    for (let i = 0; i < 3; i++) await session.run(feeds); // warm-up: shader compilation
    let runs = 0;
    const t0 = process.hrtime.bigint();
    let seconds = 0;
    while (seconds < 2 || runs < 5) {
      await session.run(feeds);
      runs++;
      seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    (result.evaluationsPerSecond as Record<string, number>)[b] = (b * runs) / seconds;
    console.log(`ort-node ${provider}: denoiser batch ${b}: ${((b * runs) / seconds).toFixed(0)} evaluations/s`);
  }
  await session.release();

  for (const microBatch of microBatches) {
    const engine = await createEngine({ bundleDirs: [dir], provider, microBatch, log: (l) => console.log(`engine: ${l}`) });
    const m = engine.models()[0];
    const params = { modelId: m.modelId, orderId: 'bench', certificateId: 'bench', orderSeed: 1, sampler: 'DDIM' as const, steps: m.defaultSteps, guidance: m.defaultGuidance };
    const items = Array.from({ length: images }, (_, index) => ({ index, birads: m.classes[index % m.classes.length].birads }));
    await engine.generate(params, items.slice(0, microBatch));
    const t0 = process.hrtime.bigint();
    await engine.generate(params, items);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    (result.imagesPerSecond as Record<string, number>)[microBatch] = images / seconds;
    result.engineProvider = engine.provider;
    result.steps = m.defaultSteps;
    result.guidance = m.defaultGuidance;
    console.log(`engine on ${engine.provider}, micro-batch ${microBatch}: ${images} images in ${seconds.toFixed(2)} s = ${(images / seconds).toFixed(2)} images/s`);
    await engine.close();
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
