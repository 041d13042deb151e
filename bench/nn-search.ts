// Exact nearest-neighbour search: time per image, ours (src/privacy/nn-search.ts) vs a naive
// baseline, against the default bundle's training reference set and against 1,000,000 random
// unit vectors of the same dimension; and the search's share of the engine's total time per image.
//
// Run:  npx tsc -p tsconfig.build.json && node dist/bench/nn-search.js [--queries 16] [--million 1000000] [--bundle DIR]
import { createEngine } from '../src/generation/engine';
import { defaultBundleDirs, readBundle } from '../src/generation/bundle';
import { gaussianNoise } from '../src/domain/rng';
import { EmbeddingMatrix, embeddingMatrix, nearestNeighbours } from '../src/privacy/nn-search';
import { resolve } from 'node:path';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function unitRows(seed: bigint, count: number, dim: number): Float32Array {
  const data = gaussianNoise(seed, count * dim);
  for (let r = 0; r < count; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[r * dim + k] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) data[r * dim + k] *= inv;
  }
  return data;
}

/** The baseline: one query at a time, sqrt((a - b)^2) for every row, keep the minimum. */
function naive(queries: EmbeddingMatrix, refs: EmbeddingMatrix): number[] {
  const out: number[] = [];
  for (let q = 0; q < queries.count; q++) {
    let best = Infinity;
    for (let r = 0; r < refs.count; r++) {
      let s = 0;
      for (let k = 0; k < refs.dim; k++) {
        const d = queries.data[q * refs.dim + k] - refs.data[r * refs.dim + k];
        s += d * d;
      }
      best = Math.min(best, Math.sqrt(s));
    }
    out.push(best);
  }
  return out;
}

/** Mean time per image over repeated calls (at least 3, and at least 1 s), after a warm-up call (JIT). */
function msPerImage(fn: () => unknown, images: number): number {
  fn();
  let runs = 0;
  const t0 = process.hrtime.bigint();
  let ms = 0;
  while (runs < 3 || ms < 1000) {
    fn();
    runs++;
    ms = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return ms / runs / images;
}

function compare(label: string, queries: EmbeddingMatrix, refs: EmbeddingMatrix): number {
  const ours = nearestNeighbours(queries, refs);
  const base = naive(queries, refs);
  ours.forEach((o, i) => {
    if (Math.abs(o.distance - base[i]) > 1e-6) throw new Error(`${label}: ours and the baseline disagree on query ${i}`);
  });
  const tOurs = msPerImage(() => nearestNeighbours(queries, refs), queries.count);
  const tBase = msPerImage(() => naive(queries, refs), queries.count);
  console.log(
    `${label}: ${refs.count} x ${refs.dim}, ${queries.count} queries | ours ${tOurs.toFixed(3)} ms/image | ` +
      `naive ${tBase.toFixed(3)} ms/image | speed-up ${(tBase / tOurs).toFixed(2)}x`,
  );
  return tOurs;
}

async function main(): Promise<void> {
  const nQueries = Number(arg('--queries') ?? 16);
  const million = Number(arg('--million') ?? 1_000_000);
  const dir = resolve(arg('--bundle') ?? defaultBundleDirs()[0]);
  const bundle = readBundle(dir);
  const dim = bundle.manifest.privacy.embeddingDim;
  const queries = embeddingMatrix(unitRows(11n, nQueries, dim), dim);
  console.log(`bundle ${bundle.manifest.modelId} (${dir}); embedding dim ${dim}`);
  const tShipped = compare('shipped reference set', queries, bundle.reference);
  const tMillion = compare('1,000,000 random unit vectors', queries, embeddingMatrix(unitRows(12n, million, dim), dim));

  // Total time per image: the engine making 64 images at the default steps and guidance (as bench/engine.ts).
  const engine = await createEngine({ bundleDirs: [dir], log: () => undefined });
  const m = engine.models()[0];
  const params = { modelId: m.modelId, orderId: 'bench', certificateId: 'bench', orderSeed: 1, steps: m.defaultSteps, guidance: m.defaultGuidance };
  const items = Array.from({ length: 64 }, (_, index) => ({ index, birads: m.classes[index % m.classes.length].birads }));
  await engine.generate(params, items.slice(0, 2));
  const t0 = process.hrtime.bigint();
  await engine.generate(params, items);
  const total = Number(process.hrtime.bigint() - t0) / 1e6 / items.length;
  await engine.close();
  console.log(`engine total: ${total.toFixed(2)} ms/image (64 images, ${m.defaultSteps} steps, guidance ${m.defaultGuidance}, cpu)`);
  console.log(`privacy search share of total time per image: shipped set ${((100 * tShipped) / total).toFixed(2)}%`);
  console.log(
    `with 1,000,000 references it would be ${tMillion.toFixed(2)} ms of ${(total - tShipped + tMillion).toFixed(2)} ms per image: ` +
      `${((100 * tMillion) / (total - tShipped + tMillion)).toFixed(1)}%`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
