import { embeddingMatrix, forEachDistanceRow, nearestNeighbours } from '../../src/privacy/nn-search';
import { gaussianNoise } from '../../src/domain/rng';

function unitRows(seed: bigint, count: number, dim: number): Float32Array {
  const data = gaussianNoise(seed, count * dim);
  for (let r = 0; r < count; r++) {
    const row = data.subarray(r * dim, (r + 1) * dim);
    const norm = Math.hypot(...row);
    row.forEach((v, k) => (row[k] = v / norm));
  }
  return data;
}

/** The oracle: for each query, the distance to every row by the definition, minimum kept. */
function bruteForce(q: Float32Array, refs: Float32Array, dim: number): { index: number; distance: number }[] {
  const out = [];
  for (let i = 0; i < q.length / dim; i++) {
    let best = { index: -1, distance: Infinity };
    for (let r = 0; r < refs.length / dim; r++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (q[i * dim + k] - refs[r * dim + k]) ** 2;
      if (Math.sqrt(s) < best.distance) best = { index: r, distance: Math.sqrt(s) };
    }
    out.push(best);
  }
  return out;
}

describe('exact nearest-neighbour search', () => {
  const dim = 32;
  const refs = unitRows(1n, 500, dim);

  it('agrees with brute force for query counts that are and are not multiples of the block of 8', () => {
    for (const n of [1, 8, 13]) {
      const queries = unitRows(BigInt(100 + n), n, dim);
      const got = nearestNeighbours(embeddingMatrix(queries, dim), embeddingMatrix(refs, dim));
      const want = bruteForce(queries, refs, dim);
      expect(got.map((g) => g.index)).toEqual(want.map((w) => w.index));
      got.forEach((g, i) => expect(g.distance).toBeCloseTo(want[i].distance, 12));
    }
  });

  it('finds a planted near-copy and states its small distance accurately', () => {
    const query = refs.slice(123 * dim, 124 * dim);
    query[0] += 1e-4;
    const [nn] = nearestNeighbours(embeddingMatrix(query, dim), embeddingMatrix(refs, dim));
    expect(nn.index).toBe(123);
    // The only difference is the float32-rounded 1e-4 added to element 0. The direct recomputation
    // states it to float64 precision, where 2 - 2 cos would lose it to cancellation.
    expect(nn.distance).toBeCloseTo(query[0] - refs[123 * dim], 15);
  });

  it('does not assume unit length when ranking', () => {
    const refs2 = Float32Array.from([1, 0, 3, 0]); // rows (1,0) and (3,0)
    const [nn] = nearestNeighbours(embeddingMatrix(Float32Array.from([2.2, 0]), 2), embeddingMatrix(refs2, 2));
    expect(nn).toEqual({ index: 1, distance: expect.closeTo(0.8, 6) });
  });

  it('hands every distance row to the visitor', () => {
    const queries = unitRows(9n, 5, dim);
    const want = bruteForce(queries, refs, dim);
    const seen: number[] = [];
    forEachDistanceRow(embeddingMatrix(queries, dim), embeddingMatrix(refs, dim), (q, row) => {
      seen.push(q);
      expect(Math.min(...row)).toBeCloseTo(want[q].distance, 6);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses mismatched dimensions and ragged data', () => {
    expect(() => embeddingMatrix(new Float32Array(10), 3)).toThrow(/whole number of rows/);
    expect(() => nearestNeighbours(embeddingMatrix(new Float32Array(4), 4), embeddingMatrix(refs, dim))).toThrow(/dim/);
  });
});
