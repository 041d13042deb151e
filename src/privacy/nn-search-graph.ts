// The ONNX graph that scores queries against a reference matrix: per block of reference rows, one
// Gemm (query . row - |row|^2 / 2, largest for the nearest row) and a TopK keeping that block's
// best few, so the scores of a block never leave the cache and only n x blocks x k values come back.
// The rows are initializers: the CPU provider pre-packs them once for its GEMM, a GPU provider
// keeps them in device memory.
import { EmbeddingMatrix } from './nn-search';
import { FLOAT, INT64, Initializer, modelBytes, Node } from './onnx-proto';

/** Where each block's candidates sit in the graph's outputs. */
export interface BlockLayout {
  /** First reference row of the block. */
  start: number;
  rows: number;
  /** Candidates kept for the block: min(topK, rows). */
  kept: number;
}

export interface SearchGraph {
  bytes: Uint8Array;
  blocks: BlockLayout[];
  /** Columns of the outputs "scores" (float32) and "rows" (int64, block-relative): the sum of kept. */
  width: number;
}

export function blockLayout(count: number, blockRows: number, topK: number): BlockLayout[] {
  const blocks: BlockLayout[] = [];
  for (let start = 0; start < count; start += blockRows) {
    const rows = Math.min(blockRows, count - start);
    blocks.push({ start, rows, kept: Math.min(topK, rows) });
  }
  return blocks;
}

/** -|row|^2 / 2 per reference row, rounded once to float32 (the bound in nn-search-index.ts counts it). */
function halfNormBias(refs: EmbeddingMatrix, start: number, rows: number): Float32Array {
  const bias = new Float32Array(rows);
  for (let r = 0; r < rows; r++) bias[r] = -0.5 * refs.sqNorms[start + r];
  return bias;
}

export function searchGraph(refs: EmbeddingMatrix, blockRows: number, topK: number): SearchGraph {
  const blocks = blockLayout(refs.count, blockRows, topK);
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  blocks.forEach(({ start, rows, kept }, b) => {
    initializers.push(
      { name: `R${b}`, dims: [rows, refs.dim], data: refs.data.subarray(start * refs.dim, (start + rows) * refs.dim) },
      { name: `C${b}`, dims: [rows], data: halfNormBias(refs, start, rows) },
      { name: `K${b}`, dims: [1], data: BigInt64Array.of(BigInt(kept)) },
    );
    nodes.push(
      { op: 'Gemm', inputs: ['Q', `R${b}`, `C${b}`], outputs: [`S${b}`], attributes: [{ name: 'transB', int: 1 }] },
      { op: 'TopK', inputs: [`S${b}`, `K${b}`], outputs: [`V${b}`, `I${b}`], attributes: [{ name: 'axis', int: 1 }] },
    );
  });
  const concat = (prefix: string, out: string): Node => ({ op: 'Concat', inputs: blocks.map((_, b) => `${prefix}${b}`), outputs: [out], attributes: [{ name: 'axis', int: 1 }] });
  nodes.push(concat('V', 'scores'), concat('I', 'rows'));
  const width = blocks.reduce((s, b) => s + b.kept, 0);
  const bytes = modelBytes(
    {
      nodes,
      initializers,
      inputs: [{ name: 'Q', type: FLOAT, dims: ['n', refs.dim] }],
      outputs: [
        { name: 'scores', type: FLOAT, dims: ['n', width] },
        { name: 'rows', type: INT64, dims: ['n', width] },
      ],
    },
    17,
  );
  return { bytes, blocks, width };
}
