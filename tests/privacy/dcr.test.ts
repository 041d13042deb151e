import { cohortDcr, imageDcr, subsetPairs, wilsonInterval } from '../../src/privacy/dcr';
import { embeddingMatrix, forEachDistanceRow } from '../../src/privacy/nn-search';
import { gaussianNoise } from '../../src/domain/rng';

describe('wilsonInterval', () => {
  it('matches Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score)', () => {
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [x, n, lo, hi] of cases) {
      const [l, h] = wilsonInterval(x / n, n);
      expect(l).toBeCloseTo(lo, 4);
      expect(h).toBeCloseTo(hi, 4);
    }
  });
});

describe('subsetPairs', () => {
  it('draws equal-size subsets of distinct indices, reproducibly', () => {
    const a = subsetPairs(1000, 150, 5, 42n);
    expect(a.size).toBe(150);
    for (const s of [...a.train, ...a.holdout]) expect(new Set(s).size).toBe(150);
    expect(Math.max(...a.train.flatMap((s) => [...s]))).toBeLessThan(1000);
    expect(subsetPairs(1000, 150, 5, 42n)).toEqual(a);
    expect(subsetPairs(1000, 150, 5, 43n).train[0]).not.toEqual(a.train[0]);
  });

  it('shrinks to the training count when the holdout set is larger', () => {
    expect(subsetPairs(20, 50, 2, 1n).size).toBe(20);
  });
});

describe('DCR share', () => {
  const dim = 16;
  function unit(seed: bigint, n: number): Float32Array {
    const d = gaussianNoise(seed, n * dim);
    for (let r = 0; r < n; r++) {
      const row = d.subarray(r * dim, (r + 1) * dim);
      const norm = Math.hypot(...row);
      row.forEach((v, k) => (row[k] = v / norm));
    }
    return d;
  }
  const train = embeddingMatrix(unit(1n, 800), dim);
  const holdout = embeddingMatrix(unit(2n, 200), dim);
  const pairs = subsetPairs(train.count, holdout.count, 16, 7n);

  function shares(queries: Float32Array): number[] {
    const q = embeddingMatrix(queries, dim);
    const hold: Float64Array[] = [];
    forEachDistanceRow(q, holdout, (_i, row) => hold.push(row.slice()));
    const out: number[] = [];
    forEachDistanceRow(q, train, (i, row) => out.push(imageDcr(row, hold[i], pairs).trainCloserShare));
    return out;
  }

  it('is about one half for images from the same distribution as both sets, and passes', () => {
    const result = cohortDcr(shares(unit(3n, 300)));
    expect(result.share).toBeGreaterThan(0.42);
    expect(result.share).toBeLessThan(0.58);
    expect(result.verdict).toBe('pass');
  });

  it('rises for near-copies of training images, and a large enough cohort of them fails', () => {
    // A copy of training image i wins for sure when i is in the training subset (probability
    // 200/800 = 1/4) and is a coin flip otherwise: expected share 1/4 + 3/4 * 1/2 = 0.625.
    const copies = train.data.slice(0, 200 * dim).map((v, i) => v + (i % 7 === 0 ? 1e-3 : 0));
    const result = cohortDcr(shares(copies));
    expect(result.share).toBeGreaterThan(0.58);
    expect(result.share).toBeLessThan(0.67);
    expect(result.ciLow).toBeGreaterThan(0.5);
    expect(result.verdict).toBe('fail');
  });

  it('scores ties as one half', () => {
    const one = subsetPairs(1, 1, 1, 0n);
    expect(imageDcr([0.3], [0.3], one).trainCloserShare).toBe(0.5);
    expect(imageDcr([0.2], [0.3], one)).toEqual({ holdoutNnDistance: 0.3, trainCloserShare: 1 });
  });
});
