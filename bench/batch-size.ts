// Which batch sizes suit a provider? A worker asks the engine for `batch` images per call (progress
// is recorded after each call) and the engine runs them through ONNX `micro` at a time. This runs
// the same images through the engine at each (batch, micro) pair of a sweep, next to the previous
// defaults (batch 4, micro 16, chosen for CPU without measurement) in the same run, and prints
// the best and median images/s, seconds per call (how often a partner sees progress) and the ratio to the old default.
// The table in src/domain/batching.ts comes from this output; bench/gpu/run.sh runs it on a GPU.
//
// Run (from the repository root):  npx tsc -p tsconfig.build.json && node dist/bench/batch-size.js [--images 48] [--bundle DIR] [--provider cpu] [--repeat 3]
import { resolve } from 'node:path';
import { defaultBundleDirs } from '../src/generation/bundle';
import { createEngine } from '../src/generation/engine';
import { parseProvider } from '../src/onnx/providers';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Setting {
  batch: number;
  micro: number;
}

const OLD_DEFAULT: Setting = { batch: 4, micro: 16 };
const SWEEP: Setting[] = [1, 2, 4, 8, 16, 32].map((b) => ({ batch: b, micro: b }));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The least disturbed run: on shared cores other work only ever slows a run down. */
function best(xs: number[]): number {
  return Math.max(...xs);
}

async function main(): Promise<void> {
  const count = Number(arg('--images') ?? 48);
  const repeat = Number(arg('--repeat') ?? 3);
  const provider = parseProvider(arg('--provider') ?? 'cpu');
  const dir = resolve(arg('--bundle') ?? defaultBundleDirs()[0]);
  const settings = [OLD_DEFAULT, ...SWEEP];
  // The engine falls back to one image per ONNX run where a micro-batch would change the results
  // (src/generation/batch-invariance.ts); it says so in its log, and the table shows it.
  const fellBack = settings.map(() => false);
  const engines = await Promise.all(
    settings.map((s, i) => createEngine({ bundleDirs: [dir], provider, microBatch: s.micro, log: (l) => (fellBack[i] ||= l.includes('batch-dependent')) })),
  );
  const m = engines[0].models()[0];
  const params = { modelId: m.modelId, orderId: 'bench', certificateId: 'bench', orderSeed: 3, sampler: 'DDIM' as const, steps: m.defaultSteps, guidance: m.defaultGuidance };
  const items = Array.from({ length: count }, (_, index) => ({ index, birads: m.classes[index % m.classes.length].birads }));
  console.log(`bundle ${m.modelId}: ${count} images per run, ${m.defaultSteps} steps, guidance ${m.defaultGuidance}, provider ${engines[0].provider} (requested ${provider}); median of ${repeat} interleaved runs`);

  const rates: number[][] = settings.map(() => []);
  const perCall: number[][] = settings.map(() => []);
  for (const [i, e] of engines.entries()) await e.generate(params, items.slice(0, settings[i].batch)); // warm-up at each shape
  for (let r = 0; r < repeat; r++) {
    for (const [i, s] of settings.entries()) {
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < count; b += s.batch) await engines[i].generate(params, items.slice(b, b + s.batch));
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      rates[i].push(count / seconds);
      perCall[i].push(seconds / Math.ceil(count / s.batch));
    }
  }
  await Promise.all(engines.map((e) => e.close()));

  const base = best(rates[0]);
  console.log('batch  micro (runs at)  best images/s  median [min-max]        s per call  ratio to old default (4, 16), best');
  for (const [i, s] of settings.entries()) {
    const runsAt = fellBack[i] ? 1 : Math.min(s.micro, s.batch);
    const label = i === 0 ? ' (old default)' : '';
    const rate = best(rates[i]);
    console.log(
      `${String(s.batch).padStart(5)}  ${String(s.micro).padStart(5)} (${String(runsAt).padStart(2)})     ${rate.toFixed(2).padStart(8)}  ` +
        `${median(rates[i]).toFixed(2).padStart(7)} [${Math.min(...rates[i]).toFixed(2)}-${rate.toFixed(2)}]`.padEnd(26) +
        `${median(perCall[i]).toFixed(2).padStart(8)}  ${(rate / base).toFixed(2)}${label}`,
    );
  }
  const result = settings.map((s, i) => ({ batch: s.batch, micro: s.micro, runsAt: fellBack[i] ? 1 : Math.min(s.micro, s.batch), best: best(rates[i]), median: median(rates[i]) }));
  console.log(`RESULT ${JSON.stringify({ provider: engines[0].provider, imagesPerSecond: result })}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
