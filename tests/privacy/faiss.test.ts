/**
 * @jest-environment ./tests/generation/helpers/ort-environment.js
 */
// Our exact search against FAISS's (faiss-cpu IndexFlatIP, the benchmark's baseline) on the same unit
// vectors, planted near-copies included: the same row wherever FAISS's float32 ranking is decisive,
// and where it is not (float32 near-ties) ours is the float64 nearest, never farther than FAISS's.
import { FaissBaseline, faissUnavailable } from '../../bench/faiss-baseline';
import { unitRows } from '../../bench/unit-rows';
import { embeddingMatrix, rowDistance } from '../../src/privacy/nn-search';
import { NnIndex, scoreErrorBound } from '../../src/privacy/nn-search-index';

const dim = 64;

const unavailable = faissUnavailable();
// Jest does not name the tests of a wholly skipped file: say why here.
if (unavailable !== null) console.warn(`FAISS comparison skipped: ${unavailable}`);
const describeFaiss = unavailable === null ? describe : describe.skip;

describeFaiss(`agreement with FAISS IndexFlatIP${unavailable === null ? '' : ` (skipped: ${unavailable})`}`, () => {
  it('returns FAISS row where its float32 answer is decisive, and the float64 nearest where it is not', async () => {
    const refsData = unitRows(21n, 30000, dim);
    // Queries: 40 random ones, and 24 near-copies of reference rows (a copy differs by 1e-5 in one
    // coordinate), four of them of a row planted again one float32 ulp away.
    const queryData = new Float32Array(64 * dim);
    queryData.set(unitRows(22n, 40, dim));
    for (let i = 0; i < 24; i++) {
      const row = 997 * (i + 1);
      const copy = refsData.slice(row * dim, (row + 1) * dim);
      if (i < 4) refsData.set(copy.map((v, k) => (k === i ? Math.fround(v * (1 + 2 ** -23)) : v)), (29000 + i) * dim);
      copy[i % dim] += 1e-5;
      queryData.set(copy, (40 + i) * dim);
    }
    const refs = embeddingMatrix(refsData, dim);
    const queries = embeddingMatrix(queryData, dim);

    const faiss = await FaissBaseline.start(refs, queries);
    const theirs = await faiss.answers();
    faiss.close();
    const index = await NnIndex.open(refs);
    const ours = await index.search(queries);
    await index.release();

    let decisive = 0;
    ours.forEach((o, q) => {
      const their = theirs.index[q];
      const theirDistance = rowDistance(queries, q, refs, their);
      expect(o.distance).toBeLessThanOrEqual(theirDistance);
      // A different row only where FAISS's row is inside float32 error of ours.
      if (o.index !== their) expect(theirDistance ** 2 - o.distance ** 2).toBeLessThan(4 * scoreErrorBound(dim, 1, 1, 'cpu'));
      else decisive++;
    });
    expect(decisive).toBeGreaterThanOrEqual(60);
  });
});
