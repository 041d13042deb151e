// Distance-to-closest-record (DCR) share: is a delivered image closer to the training set than to
// unseen patients (the validation/holdout set)? Comparing against the whole training set would be
// unfair (a bigger set is closer by chance), so both sides are K random subsets of the same size
// (the smaller set's count: in practice, training subsets of the holdout set's size). An image scores
// 1 when a training subset's nearest is closer than its paired holdout subset's nearest, 1/2 on a
// tie, 0 otherwise, averaged over the K pairs. A model that memorizes nothing
// scores about 1/2 on average.
import { SplitMix64 } from '../domain/rng';

/** K random subsets of [0, count), each of `size` distinct indices; deterministic in the rng. */
function randomSubsets(count: number, size: number, k: number, rng: SplitMix64): Uint32Array[] {
  const pool = new Uint32Array(count);
  const subsets: Uint32Array[] = [];
  for (let s = 0; s < k; s++) {
    for (let i = 0; i < count; i++) pool[i] = i;
    // Partial Fisher-Yates: the first `size` slots become a uniform random subset.
    for (let i = 0; i < size; i++) {
      const j = i + Number(rng.nextU64() % BigInt(count - i));
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
    }
    subsets.push(pool.slice(0, size));
  }
  return subsets;
}

/** K pairs of equally sized subsets (size = the smaller set's count) of the training and holdout sets. */
export interface SubsetPairs {
  size: number;
  train: Uint32Array[];
  holdout: Uint32Array[];
}

export function subsetPairs(trainCount: number, holdoutCount: number, k: number, seed: bigint): SubsetPairs {
  if (trainCount < 1 || holdoutCount < 1) throw new RangeError('DCR needs at least one training and one holdout embedding');
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`the number of DCR subsets must be a positive integer, got ${k}`);
  const size = Math.min(trainCount, holdoutCount);
  const rng = new SplitMix64(seed);
  return { size, train: randomSubsets(trainCount, size, k, rng), holdout: randomSubsets(holdoutCount, size, k, rng) };
}

/**
 * The training rows that any subset holds (ascending), and the pairs with each training subset
 * rewritten as positions in that list. An image's DCR needs its distances to these rows only:
 * about K x size of them rather than every training row when the holdout set is small, and
 * imageDcr over the rewritten pairs gives the same numbers as over the full distance row (the
 * same distances, visited in the same order).
 */
export function subsetUnion(pairs: SubsetPairs): { rows: Uint32Array; pairs: SubsetPairs } {
  const all = new Set<number>();
  for (const subset of pairs.train) for (const r of subset) all.add(r);
  const rows = Uint32Array.from(all).sort();
  const position = new Map<number, number>();
  rows.forEach((r, i) => position.set(r, i));
  const train = pairs.train.map((subset) => subset.map((r) => position.get(r) as number));
  return { rows, pairs: { size: pairs.size, train, holdout: pairs.holdout } };
}

export interface ImageDcr {
  /** Distance to the nearest holdout (unseen-patient) embedding. */
  holdoutNnDistance: number;
  /** Fraction of subset pairs whose training side is closer than their holdout side (ties 1/2). */
  trainCloserShare: number;
}

function minOver(distances: ArrayLike<number>, subset: Uint32Array): number {
  let nearest = Infinity;
  for (let i = 0; i < subset.length; i++) if (distances[subset[i]] < nearest) nearest = distances[subset[i]];
  return nearest;
}

export function imageDcr(trainDistances: ArrayLike<number>, holdoutDistances: ArrayLike<number>, pairs: SubsetPairs): ImageDcr {
  let score = 0;
  let holdoutNnDistance = Infinity;
  for (let i = 0; i < holdoutDistances.length; i++) holdoutNnDistance = Math.min(holdoutNnDistance, holdoutDistances[i]);
  for (let s = 0; s < pairs.train.length; s++) {
    const train = minOver(trainDistances, pairs.train[s]);
    const holdout = minOver(holdoutDistances, pairs.holdout[s]);
    score += train < holdout ? 1 : train === holdout ? 0.5 : 0;
  }
  return { holdoutNnDistance, trainCloserShare: score / pairs.train.length };
}

export interface CohortDcr {
  /** Mean of the images' trainCloserShare. */
  share: number;
  /** 95% Wilson score interval for the share over n images. */
  ciLow: number;
  ciHigh: number;
  n: number;
  /** "fail" when the whole interval lies above 1/2: the images are significantly closer to training data. */
  verdict: 'pass' | 'fail';
}

const Z95 = 1.959963984540054;

/**
 * Wilson score interval (Wilson 1927) treating the share as a proportion over n images. Each image's
 * score is a mean of Bernoulli trials, so its variance is at most a Bernoulli's: the interval is
 * conservative, and unlike the normal approximation it stays inside [0, 1] for small cohorts.
 */
export function wilsonInterval(p: number, n: number, z = Z95): [number, number] {
  if (n < 1) throw new RangeError('a confidence interval needs at least one image');
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export function cohortDcr(trainCloserShares: readonly number[]): CohortDcr {
  const n = trainCloserShares.length;
  const share = trainCloserShares.reduce((a, b) => a + b, 0) / n;
  const [ciLow, ciHigh] = wilsonInterval(share, n);
  return { share, ciLow, ciHigh, n, verdict: ciLow > 0.5 ? 'fail' : 'pass' };
}
