// Exact nearest-neighbour search as matrix products through onnxruntime (nn-search-graph.ts), on the
// same execution provider as the model. The float32 scores only choose candidates: every row whose
// float32 score could be the best, given a proven bound on float32 error, is rechecked in float64 by
// the definition (rowDistance), so the index and distance returned are the float64 brute force's:
// the smallest distance, the lowest row on an exact tie.
//
// Why the window is safe: the graph computes s(r) = q.r - |r|^2/2 (largest for the nearest row) as a
// float32 sum of dim + 1 terms, after rounding -|r|^2/2 to float32. For any summation order, with or
// without FMA, |computed - exact| <= gamma(dim + 1) (|q||r| + |r|^2/2) + u |r|^2/2, u = 2^-24,
// gamma(n) = n u / (1 - n u) (Higham, Accuracy and Stability, 3.1 and 3.5), and |q||r| bounds
// sum |q_k r_k| (Cauchy-Schwarz). With e that bound at the largest |r|, and M the best computed
// score, the truly nearest row scores at least M - 2e; keeping everything from M - 2e - slack (the
// slack covers float64 rounding in the recheck) therefore keeps it. A block whose k-th kept score
// is still inside the window may hide more candidates: that block is rechecked whole in float64.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ProviderName, QUIET } from '../onnx/providers';
import { BlockLayout, searchGraph } from './nn-search-graph';
import { EmbeddingMatrix, Neighbour, rowDistance } from './nn-search';

export interface NnIndexOptions {
  /** Execution provider of the scoring graph (default cpu). */
  provider?: ProviderName;
  /** Reference rows per Gemm + TopK block (default 16384: a block's scores for 16 queries fit in L2). */
  blockRows?: number;
  /** Candidates kept per block and query (default 4). */
  topK?: number;
}

const U32 = 2 ** -24;
/**
 * GPU providers may run float32 MatMul in TF32 (10-bit mantissa inputs): their bound adds the
 * rounding of both inputs, 2 x 2^-11 per product, on top of the float32 accumulation.
 */
const TF32_INPUT = 2 * 2 ** -11;

/** Bound on |computed - exact| score for a query of norm qNorm against rows of norm <= rMax. */
export function scoreErrorBound(dim: number, qNorm: number, rMax: number, provider: ProviderName): number {
  const n = dim + 1;
  const gamma = (n * U32) / (1 - n * U32) + (provider === 'cpu' ? 0 : TF32_INPUT);
  const half = (rMax * rMax) / 2;
  // Doubled: a margin for the one rounding of the stated bound itself and anything it leaves out.
  return 2 * (gamma * (qNorm * rMax + half) + U32 * half);
}

export class NnIndex {
  private constructor(
    private readonly refs: EmbeddingMatrix,
    private readonly session: InferenceSession,
    private readonly blocks: BlockLayout[],
    private readonly width: number,
    private readonly provider: ProviderName,
    private readonly rMax: number,
  ) {}

  static async open(refs: EmbeddingMatrix, opts: NnIndexOptions = {}): Promise<NnIndex> {
    if (refs.count < 1) throw new RangeError('the reference set is empty');
    const provider = opts.provider ?? 'cpu';
    const graph = searchGraph(refs, opts.blockRows ?? 16384, opts.topK ?? 4);
    // Without spinning: the intra-op threads sleep between the short per-block ops rather than
    // burn the cores the denoiser and other processes need (measured 15% faster at 1M on 2 cores).
    // One block (the shipped bundle's 1,441 rows) is tens of microseconds of work: waking a second
    // thread costs more than it saves (measured 1.5-2x slower per call under load).
    const session = await InferenceSession.create(graph.bytes, {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      logSeverityLevel: QUIET,
      ...(graph.blocks.length === 1 ? { intraOpNumThreads: 1 } : {}),
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    let rMax = 0;
    for (let r = 0; r < refs.count; r++) rMax = Math.max(rMax, Math.sqrt(refs.sqNorms[r]));
    return new NnIndex(refs, session, graph.blocks, graph.width, provider, rMax);
  }

  /** The exact nearest reference of every query row. */
  async search(queries: EmbeddingMatrix): Promise<Neighbour[]> {
    const { refs } = this;
    if (queries.dim !== refs.dim) throw new RangeError(`query dim ${queries.dim} differs from reference dim ${refs.dim}`);
    if (queries.count === 0) return [];
    const out = await this.session.run({ Q: new Tensor('float32', queries.data, [queries.count, queries.dim]) });
    const scores = out.scores.data as Float32Array;
    const rows = out.rows.data as BigInt64Array;
    const found: Neighbour[] = [];
    for (let q = 0; q < queries.count; q++) found.push(this.recheck(queries, q, scores, rows));
    return found;
  }

  private recheck(queries: EmbeddingMatrix, q: number, scores: Float32Array, rows: BigInt64Array): Neighbour {
    const base = q * this.width;
    let top = -Infinity;
    for (let c = 0; c < this.width; c++) top = Math.max(top, scores[base + c]);
    // A non-finite embedding has no nearest row: NaN, which fails any threshold (NaN >= t is false).
    if (Number.isNaN(top)) return { index: 0, distance: NaN };
    const qNorm = Math.sqrt(queries.sqNorms[q]);
    const slack = 1e-12 * (queries.sqNorms[q] + this.rMax * this.rMax);
    const floor = top - 2 * scoreErrorBound(queries.dim, qNorm, this.rMax, this.provider) - slack;
    let best: Neighbour = { index: -1, distance: Infinity };
    const consider = (r: number): void => {
      const d = rowDistance(queries, q, this.refs, r);
      if (d < best.distance || (d === best.distance && r < best.index)) best = { index: r, distance: d };
    };
    let c = base;
    for (const block of this.blocks) {
      if (block.kept < block.rows && scores[c + block.kept - 1] >= floor) {
        for (let r = block.start; r < block.start + block.rows; r++) consider(r);
      } else {
        for (let k = 0; k < block.kept; k++) if (scores[c + k] >= floor) consider(block.start + Number(rows[c + k]));
      }
      c += block.kept;
    }
    return best;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
