/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// The matrix-product search (ONNX Gemm + TopK, float32) with its float64 recheck returns exactly
// the float64 brute force's row and distance, including near-ties that float32 cannot order; and
// the privacy index's DCR over the subsets' union equals the DCR over every training row, bit for bit.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { imageDcr, subsetPairs } from '../../src/privacy/dcr';
import { gaussianNoise } from '../../src/domain/rng';
import { EmbeddingMatrix, embeddingMatrix, forEachDistanceRow, Neighbour, rowDistance } from '../../src/privacy/nn-search';
import { searchGraph } from '../../src/privacy/nn-search-graph';
import { NnIndex, scoreErrorBound } from '../../src/privacy/nn-search-index';
import { PrivacyIndex } from '../../src/privacy/privacy-index';

const dim = 64;

/** The oracle: the distance to every row by the definition, the first smallest kept. */
function bruteForce(queries: EmbeddingMatrix, refs: EmbeddingMatrix): Neighbour[] {
  return Array.from({ length: queries.count }, (_, q) => {
    let best = { index: -1, distance: Infinity };
    for (let r = 0; r < refs.count; r++) {
      const distance = rowDistance(queries, q, refs, r);
      if (distance < best.distance) best = { index: r, distance };
    }
    return best;
  });
}

async function search(queries: EmbeddingMatrix, refs: EmbeddingMatrix, blockRows: number, topK: number): Promise<Neighbour[]> {
  const index = await NnIndex.open(refs, { blockRows, topK });
  try {
    return await index.search(queries);
  } finally {
    await index.release();
  }
}

describe('NnIndex (ONNX matrix products, float64 recheck)', () => {
  // Gaussian rows, not unit length: the ranking must not assume it.
  const refs = embeddingMatrix(gaussianNoise(1n, 3000 * dim), dim);

  it('equals brute force in row and distance for partial blocks and query counts 1, 8 and 13', async () => {
    for (const n of [1, 8, 13]) {
      const queries = embeddingMatrix(gaussianNoise(BigInt(200 + n), n * dim), dim);
      expect(await search(queries, refs, 700, 3)).toEqual(bruteForce(queries, refs));
    }
  });

  it('orders planted near-ties that float32 cannot, across blocks and within one block', async () => {
    // Row 2500's copies, each off by one float32 ulp in one coordinate: their float32 scores tie
    // with the original's to within rounding, their float64 distances do not. Rows 10..15 put six
    // of them in block 0, more than its top-2, so that block is rechecked whole.
    const data = refs.data.slice();
    const source = data.subarray(2500 * dim, 2501 * dim);
    const planted = [10, 11, 12, 13, 14, 15, 900, 1800, 2999];
    planted.forEach((row, i) => {
      const copy = data.subarray(row * dim, (row + 1) * dim);
      copy.set(source);
      const k = i % dim;
      copy[k] = i % 2 === 0 ? Math.fround(copy[k] * (1 + 2 ** -23)) : Math.fround(copy[k] * (1 - 2 ** -23));
    });
    // An exact duplicate too: the lower row wins the tie, as in brute force.
    data.copyWithin(20 * dim, 2500 * dim, 2501 * dim);
    const planted64 = embeddingMatrix(data, dim);
    const query = source.slice();
    query[3] += 1e-6;
    const queries = embeddingMatrix(Float32Array.from([...query, ...data.subarray(900 * dim, 901 * dim)]), dim);
    const want = bruteForce(queries, planted64);
    expect([20, ...planted]).toContain(want[0].index);
    expect(want[1]).toEqual({ index: 900, distance: 0 });
    expect(await search(queries, planted64, 512, 2)).toEqual(want);
  });

  it('gets float32 scores from the graph that stay within half the stated bound (the other half is margin)', async () => {
    // Keep every row of one block, so the graph returns all 3000 float32 scores per query.
    const graph = searchGraph(refs, refs.count, refs.count);
    const session = await InferenceSession.create(graph.bytes);
    const queries = embeddingMatrix(gaussianNoise(7n, 4 * dim), dim);
    const out = await session.run({ Q: new Tensor('float32', queries.data, [queries.count, dim]) });
    await session.release();
    const scores = out.scores.data as Float32Array;
    const rows = out.rows.data as BigInt64Array;
    let rMax = 0;
    for (let r = 0; r < refs.count; r++) rMax = Math.max(rMax, Math.sqrt(refs.sqNorms[r]));
    for (let q = 0; q < queries.count; q++) {
      let worst = 0;
      for (let c = 0; c < refs.count; c++) {
        const r = Number(rows[q * refs.count + c]);
        let dot = 0;
        for (let k = 0; k < dim; k++) dot += queries.data[q * dim + k] * refs.data[r * dim + k];
        worst = Math.max(worst, Math.abs(scores[q * refs.count + c] - (dot - refs.sqNorms[r] / 2)));
      }
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(scoreErrorBound(dim, Math.sqrt(queries.sqNorms[q]), rMax, 'cpu') / 2);
    }
    // Unit vectors at dim 64 on cpu: 2 x (gamma(65) x 1.5 + 2^-24 x 0.5), gamma(65) ~ 65 x 2^-24.
    expect(scoreErrorBound(64, 1, 1, 'cpu')).toBeCloseTo(2 * (((65 * 2 ** -24) / (1 - 65 * 2 ** -24)) * 1.5 + 2 ** -25), 15);
    expect(scoreErrorBound(64, 1, 1, 'webgpu')).toBeGreaterThan(1e-3);
  });

  it('refuses mismatched dimensions and an empty reference set, and states NaN for a NaN embedding', async () => {
    const index = await NnIndex.open(refs, {});
    await expect(index.search(embeddingMatrix(new Float32Array(4), 4))).rejects.toThrow(/dim/);
    const [nan] = await index.search(embeddingMatrix(new Float32Array(dim).fill(NaN), dim));
    expect(nan.distance).toBeNaN();
    await index.release();
    await expect(NnIndex.open(embeddingMatrix(new Float32Array(0), dim))).rejects.toThrow(/empty/);
  });
});

describe('PrivacyIndex', () => {
  const train = embeddingMatrix(gaussianNoise(3n, 2000 * dim), dim);
  const holdout = embeddingMatrix(gaussianNoise(4n, 40 * dim), dim);
  const queries = embeddingMatrix(gaussianNoise(5n, 11 * dim), dim);
  const pairs = subsetPairs(train.count, holdout.count, 8, 9n);

  it('states the nearest row exactly and the DCR of every image bit for bit as over all training rows', async () => {
    const holdoutRows: Float64Array[] = [];
    forEachDistanceRow(queries, holdout, (_q, row) => holdoutRows.push(row.slice()));
    const want: ReturnType<typeof imageDcr>[] = [];
    forEachDistanceRow(queries, train, (q, row) => want.push(imageDcr(row, holdoutRows[q], pairs)));

    const index = await PrivacyIndex.open(train, holdout, pairs, 'cpu');
    const got = await index.check(queries);
    await index.release();
    expect(index.dcrRows).toBeLessThan(train.count / 4); // 8 subsets of 40 rows: at most 320
    expect(got.map((g) => g.dcr)).toEqual(want);
    expect(got.map((g) => g.nearest)).toEqual(bruteForce(queries, train));
  });
});
