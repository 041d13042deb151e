// Exact nearest-neighbour search, time per query: faiss-cpu IndexFlatIP in Python (the baseline,
// bench/nn_search_baseline.py) and ours (src/privacy/nn-search-index.ts: ONNX Gemm + TopK, float64
// recheck) on the same vectors and queries, interleaved in this one run and repeated; the previous
// float64 JavaScript search once for reference; and the engine's whole per-image privacy check
// (search + DCR share, src/privacy/privacy-index.ts) against the bundle's holdout set. Against the shipped bundle's reference set and
// 1,000,000 random unit vectors. Then the engine in fresh processes (bench/nn-search-engine.ts) on the
// shipped bundle and on a copy whose reference set is those 1,000,000 vectors: time per image, the
// search's share of it, and resident memory.
//
// Run:  npx tsc -p tsconfig.build.json && node dist/bench/nn-search.js [--queries 16] [--million 1000000] [--repeat 5] [--bundle DIR] [--engine-images 64]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultBundleDirs, readBundle } from '../src/generation/bundle';
import { subsetPairs } from '../src/privacy/dcr';
import { EmbeddingMatrix, embeddingMatrix, nearestNeighbours } from '../src/privacy/nn-search';
import { NnIndex } from '../src/privacy/nn-search-index';
import { PrivacyIndex } from '../src/privacy/privacy-index';
import { FaissBaseline } from './faiss-baseline';
import { writeBundleWithReference } from './million-bundle';
import { unitRows } from './unit-rows';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Mean time per query over repeated calls (at least 3, and at least 1 s), after a warm-up call. */
async function msPerQuery(fn: () => unknown, queries: number): Promise<number> {
  await fn();
  let runs = 0;
  const t0 = process.hrtime.bigint();
  let ms = 0;
  while (runs < 3 || ms < 1000) {
    await fn();
    runs++;
    ms = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return ms / runs / queries;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[], digits: number): string =>
  `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}]`;

/**
 * Ours and FAISS, interleaved `repeat` times, and the whole per-image privacy check (search and
 * the DCR share against `holdout` with 32 subset pairs, as the engine does); returns our median
 * search time per query.
 */
async function compare(label: string, queries: EmbeddingMatrix, refs: EmbeddingMatrix, holdout: EmbeddingMatrix, repeat: number): Promise<number> {
  const faiss = await FaissBaseline.start(refs, queries);
  const index = await NnIndex.open(refs);
  const privacy = await PrivacyIndex.open(refs, holdout, subsetPairs(refs.count, holdout.count, 32, 1n), 'cpu');
  try {
    const theirs = await faiss.answers();
    const ours = await index.search(queries);
    const same = ours.filter((o, q) => o.index === theirs.index[q]).length;
    const tFaiss: number[] = [];
    const tOurs: number[] = [];
    const tCheck: number[] = [];
    for (let r = 0; r < repeat; r++) {
      tFaiss.push(await faiss.msPerQuery(1));
      tOurs.push(await msPerQuery(() => index.search(queries), queries.count));
      tCheck.push(await msPerQuery(() => privacy.check(queries), queries.count));
    }
    const tJs = await msPerQuery(() => nearestNeighbours(queries, refs), queries.count);
    const ratios = tFaiss.map((t, i) => t / tOurs[i]);
    console.log(
      `| ${label} | ${refs.count} x ${refs.dim} | ${queries.count} | ${spread(tFaiss, 3)} | ${spread(tOurs, 3)} | ` +
        `${spread(ratios, 2)} | ${tJs.toFixed(3)} | ${same}/${queries.count} | ${spread(tCheck, 3)} | ${privacy.dcrRows} |`,
    );
    return median(tOurs);
  } finally {
    faiss.close();
    await index.release();
    await privacy.release();
  }
}

interface EngineRun {
  rssStart: number;
  rssLoaded: number;
  rssIndexed: number;
  maxRss: number;
  msPerImage: number;
  images: number;
  steps: number;
}

/** The engine on `bundleDir` in a fresh process, with `env` added to this one's environment. */
function engineRun(bundleDir: string, images: number, env: Record<string, string> = {}): EngineRun {
  const script = join(__dirname, 'nn-search-engine.js');
  const out = execFileSync(process.execPath, ['--expose-gc', script, bundleDir, '--images', String(images)], { encoding: 'utf8', env: { ...process.env, ...env } });
  return JSON.parse(out.trim().split('\n').pop() as string) as EngineRun;
}

async function main(): Promise<void> {
  const nQueries = Number(arg('--queries') ?? 16);
  const million = Number(arg('--million') ?? 1_000_000);
  const repeat = Number(arg('--repeat') ?? 5);
  // The real model samples about 0.4 images/s on two cores: fewer images keep the run short.
  const engineImages = Number(arg('--engine-images') ?? 64);
  const dir = resolve(arg('--bundle') ?? defaultBundleDirs()[0]);
  const bundle = readBundle(dir);
  const dim = bundle.manifest.privacy.embeddingDim;
  const queries = embeddingMatrix(unitRows(11n, nQueries, dim), dim);
  const big = unitRows(12n, million, dim);
  console.log(`bundle ${bundle.manifest.modelId} (${dir}); embedding dim ${dim}; ${repeat} interleaved repetitions, median [min-max]`);
  console.log(
    '| reference set | rows x dim | queries | FAISS IndexFlatIP ms/query | ours ms/query | FAISS time / ours | float64 JS ms/query | same row as FAISS | ' +
      `privacy check (search + DCR vs ${bundle.holdout.count} holdout) ms/image | DCR training rows |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const tShipped = await compare('shipped bundle', queries, bundle.reference, bundle.holdout, repeat);
  await compare('random unit vectors', queries, embeddingMatrix(big, dim), bundle.holdout, repeat);

  const bigDir = mkdtempSync(join(tmpdir(), 'synthbus-bench-1m-'));
  try {
    writeBundleWithReference(dir, big, bigDir);
    const shipped = engineRun(dir, engineImages);
    // glibc's default raises its mmap threshold as large blocks are freed, so the float32 initializers
    // onnxruntime frees after pre-packing them stay in the heap; a fixed threshold returns them.
    const fixedThreshold = { MALLOC_MMAP_THRESHOLD_: '131072' };
    console.log(`\nengine (fresh process each, ${shipped.images} images, ${shipped.steps} steps, cpu; RSS in MiB):`);
    console.log('| reference set | ms/image | RSS at start | RSS loaded | RSS with privacy index, after GC | peak RSS |');
    console.log('|---|---|---|---|---|---|');
    for (const [label, r] of [
      [`shipped (${bundle.reference.count})`, shipped],
      [`${million} random`, engineRun(bigDir, engineImages)],
      [`${million} random, MALLOC_MMAP_THRESHOLD_=131072`, engineRun(bigDir, engineImages, fixedThreshold)],
    ] as const) {
      console.log(`| ${label} | ${r.msPerImage.toFixed(2)} | ${r.rssStart} | ${r.rssLoaded} | ${r.rssIndexed} | ${r.maxRss} |`);
    }
    console.log(`search share of the engine's time per image, shipped bundle: ${((100 * tShipped) / shipped.msPerImage).toFixed(2)}%`);
  } finally {
    rmSync(bigDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
