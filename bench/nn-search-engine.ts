// Run by bench/nn-search.ts in a fresh process, so its memory figures are the engine's own: the
// engine (as the worker creates it) on one bundle, its resident memory once loaded and once the
// privacy index is built, and its time per image for a batch at the default steps and guidance.
// Prints one JSON line.
//
// Run:  node --expose-gc dist/bench/nn-search-engine.js BUNDLE_DIR [--images 64]
import { readFileSync } from 'node:fs';
import { createEngine } from '../src/generation/engine';

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

async function main(): Promise<void> {
  const dir = process.argv[2];
  const i = process.argv.indexOf('--images');
  const images = i >= 0 ? Number(process.argv[i + 1]) : 64;
  const rssStart = mib(process.memoryUsage().rss);
  const engine = await createEngine({ bundleDirs: [dir], log: () => undefined });
  const rssLoaded = mib(process.memoryUsage().rss);
  const m = engine.models()[0];
  const params = { modelId: m.modelId, orderId: 'bench', certificateId: 'bench', orderSeed: 1, sampler: 'DDIM' as const, steps: m.defaultSteps, guidance: m.defaultGuidance };
  const items = Array.from({ length: images }, (_, index) => ({ index, birads: m.classes[index % m.classes.length].birads }));
  await engine.generate(params, items.slice(0, 2)); // warm-up; opens the privacy index
  // Run with --expose-gc: the figure is then what stays, not the garbage of loading (the bundle's
  // file read twice, the index's graph bytes).
  (globalThis as { gc?: () => void }).gc?.();
  const rssIndexed = mib(process.memoryUsage().rss);
  const t0 = process.hrtime.bigint();
  await engine.generate(params, items);
  const msPerImage = Number(process.hrtime.bigint() - t0) / 1e6 / images;
  await engine.close();
  // VmHWM, not getrusage's maxRSS: that one keeps the peak of the parent this process was forked from.
  const maxRss = mib(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024);
  console.log(JSON.stringify({ rssStart, rssLoaded, rssIndexed, maxRss, msPerImage, images, steps: m.defaultSteps }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
