// Everything the per-image privacy check needs from a model's reference data, prepared once: the
// exact nearest-neighbour index over the training embeddings (nn-search-index.ts) and, for the DCR
// share, the training rows that the DCR subsets hold. Per image the cost is one search plus
// distances to the holdout set and to that union, not to every training row.
import { ProviderName } from '../onnx/providers';
import { ImageDcr, imageDcr, SubsetPairs, subsetUnion } from './dcr';
import { EmbeddingMatrix, forEachDistanceRow, Neighbour } from './nn-search';
import { NnIndex } from './nn-search-index';

export interface PrivacyResult {
  /** The nearest training embedding, exactly. */
  nearest: Neighbour;
  dcr: ImageDcr;
}

export class PrivacyIndex {
  private constructor(
    readonly reference: EmbeddingMatrix,
    private readonly holdout: EmbeddingMatrix,
    private readonly search: NnIndex,
    private readonly unionRows: Uint32Array,
    private readonly unionPairs: SubsetPairs,
  ) {}

  static async open(reference: EmbeddingMatrix, holdout: EmbeddingMatrix, pairs: SubsetPairs, provider: ProviderName): Promise<PrivacyIndex> {
    const union = subsetUnion(pairs);
    return new PrivacyIndex(reference, holdout, await NnIndex.open(reference, { provider }), union.rows, union.pairs);
  }

  /** Training rows whose distances the DCR share needs. */
  get dcrRows(): number {
    return this.unionRows.length;
  }

  async check(queries: EmbeddingMatrix): Promise<PrivacyResult[]> {
    const nearest = await this.search.search(queries);
    const holdoutRows: Float64Array[] = [];
    forEachDistanceRow(queries, this.holdout, (_q, row) => holdoutRows.push(row.slice()));
    const out: PrivacyResult[] = [];
    forEachDistanceRow(
      queries,
      this.reference,
      (q, row) => out.push({ nearest: nearest[q], dcr: imageDcr(row, holdoutRows[q], this.unionPairs) }),
      this.unionRows,
    );
    return out;
  }

  release(): Promise<void> {
    return this.search.release();
  }
}
