// Exact nearest-neighbour search over embeddings (metric "euclidean-unit"), in float64 JavaScript:
// the definition the fast path (nn-search-index.ts, float32 matrix products in onnxruntime) is
// rechecked against, and the distances the DCR share uses. Every reference row is compared with
// every query: no index, no approximation, so the distance a certificate states is the true minimum.
// |a - b|^2 = |a|^2 + |b|^2 - 2 a.b with the squared norms precomputed once, accumulated in float64
// (products of float32 values are exact in float64), so the ranking does not assume the vectors are
// exactly unit length. Queries are processed in blocks of 8 so each reference row is read from
// memory once per block rather than once per query.

export interface EmbeddingMatrix {
  /** count * dim float32 values, row-major. */
  data: Float32Array;
  count: number;
  dim: number;
  /** Squared L2 norm of every row, float64. */
  sqNorms: Float64Array;
}

export interface Neighbour {
  /** Row of the nearest reference. */
  index: number;
  /** Euclidean distance to it, recomputed directly (not via 2 - 2 cos) for accuracy near 0. */
  distance: number;
}

export function embeddingMatrix(data: Float32Array, dim: number): EmbeddingMatrix {
  if (!Number.isInteger(dim) || dim < 1 || data.length % dim !== 0) {
    throw new RangeError(`embedding data of ${data.length} values is not a whole number of rows of ${dim}`);
  }
  const count = data.length / dim;
  const sqNorms = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[r * dim + k] * data[r * dim + k];
    sqNorms[r] = s;
  }
  return { data, count, dim, sqNorms };
}

/** Euclidean distance between query row q of `queries` and reference row r, in float64. */
export function rowDistance(queries: EmbeddingMatrix, q: number, refs: EmbeddingMatrix, r: number): number {
  const a = queries.data;
  const b = refs.data;
  const dim = refs.dim;
  let sum = 0;
  for (let k = 0; k < dim; k++) {
    const d = a[q * dim + k] - b[r * dim + k];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** Queries handled per pass over the reference rows. */
const BLOCK = 8;

/**
 * Dot products of query rows [q0, q0 + BLOCK) with the reference rows `rows` (every row when null),
 * into out[(q - q0) * m + i] for the i-th of the m rows. The block's queries are transposed into
 * float64 (qt[k * BLOCK + j]) so the inner loop reads them contiguously; missing rows of a last
 * partial block stay zero. Each dot product is summed in the same order whichever rows are chosen,
 * so a row's distance does not depend on the selection.
 */
function dotBlock(queries: EmbeddingMatrix, q0: number, refs: EmbeddingMatrix, rows: Uint32Array | null, qt: Float64Array, out: Float64Array): number {
  const { dim } = refs;
  const m = rows ? rows.length : refs.count;
  const b = refs.data;
  const n = Math.min(BLOCK, queries.count - q0);
  qt.fill(0);
  for (let j = 0; j < n; j++) for (let k = 0; k < dim; k++) qt[k * BLOCK + j] = queries.data[(q0 + j) * dim + k];
  for (let i = 0; i < m; i++) {
    const base = (rows ? rows[i] : i) * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let k = 0, t = 0; k < dim; k++, t += BLOCK) {
      const v = b[base + k];
      s0 += qt[t] * v;
      s1 += qt[t + 1] * v;
      s2 += qt[t + 2] * v;
      s3 += qt[t + 3] * v;
      s4 += qt[t + 4] * v;
      s5 += qt[t + 5] * v;
      s6 += qt[t + 6] * v;
      s7 += qt[t + 7] * v;
    }
    out[i] = s0;
    out[m + i] = s1;
    out[2 * m + i] = s2;
    out[3 * m + i] = s3;
    out[4 * m + i] = s4;
    out[5 * m + i] = s5;
    out[6 * m + i] = s6;
    out[7 * m + i] = s7;
  }
  return n;
}

/**
 * For each query row, its distances to the reference rows `rows` (all of them, in order, when
 * omitted), from norms and dot (clamped at 0), handed to `visit(q, distances)` with distances[i]
 * for the i-th of those rows; the buffer is reused between calls.
 */
export function forEachDistanceRow(
  queries: EmbeddingMatrix,
  refs: EmbeddingMatrix,
  visit: (q: number, distances: Float64Array) => void,
  rows: Uint32Array | null = null,
): void {
  if (queries.dim !== refs.dim) throw new RangeError(`query dim ${queries.dim} differs from reference dim ${refs.dim}`);
  const m = rows ? rows.length : refs.count;
  const dots = new Float64Array(BLOCK * m);
  const qt = new Float64Array(BLOCK * refs.dim);
  const row = new Float64Array(m);
  for (let q0 = 0; q0 < queries.count; q0 += BLOCK) {
    const n = dotBlock(queries, q0, refs, rows, qt, dots);
    for (let j = 0; j < n; j++) {
      const qn = queries.sqNorms[q0 + j];
      for (let i = 0; i < m; i++) {
        row[i] = Math.sqrt(Math.max(0, qn + refs.sqNorms[rows ? rows[i] : i] - 2 * dots[j * m + i]));
      }
      visit(q0 + j, row);
    }
  }
}

/** Exact nearest reference of every query row. */
export function nearestNeighbours(queries: EmbeddingMatrix, refs: EmbeddingMatrix): Neighbour[] {
  if (queries.dim !== refs.dim) throw new RangeError(`query dim ${queries.dim} differs from reference dim ${refs.dim}`);
  if (refs.count < 1) throw new RangeError('the reference set is empty');
  const dots = new Float64Array(BLOCK * refs.count);
  const qt = new Float64Array(BLOCK * refs.dim);
  const out: Neighbour[] = [];
  for (let q0 = 0; q0 < queries.count; q0 += BLOCK) {
    const rows = dotBlock(queries, q0, refs, null, qt, dots);
    for (let j = 0; j < rows; j++) {
      // Minimising |b|^2 - 2 a.b minimises the distance (|a|^2 is the same for every row).
      let best = 0;
      let bestScore = Infinity;
      for (let r = 0; r < refs.count; r++) {
        const score = refs.sqNorms[r] - 2 * dots[j * refs.count + r];
        if (score < bestScore) {
          bestScore = score;
          best = r;
        }
      }
      out.push({ index: best, distance: rowDistance(queries, q0 + j, refs, best) });
    }
  }
  return out;
}
