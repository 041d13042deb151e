// Distance-to-closest-record (DCR) share: is a delivered image closer to the training set than to
// unseen patients (the validation/holdout set)? Comparing against the whole training set would be
// unfair (a bigger set is closer by chance), so the training side is K random training subsets of
// the holdout set's size. An image scores 1 when a subset's nearest is closer than the holdout's
// nearest, 1/2 on a tie, 0 otherwise, averaged over the K subsets. A model that memorizes nothing
// scores about 1/2 on average.
import { SplitMix64 } from '../generation/rng';

/** K random subsets of [0, trainCount), each of `size` distinct indices; deterministic in `seed`. */
export function trainSubsets(trainCount: number, size: number, k: number, seed: bigint): Uint32Array[] {
  if (size < 1 || size > trainCount) throw new RangeError(`subset size ${size} is not in [1, ${trainCount}]`);
  const rng = new SplitMix64(seed);
  const pool = new Uint32Array(trainCount);
  const subsets: Uint32Array[] = [];
  for (let s = 0; s < k; s++) {
    for (let i = 0; i < trainCount; i++) pool[i] = i;
    // Partial Fisher-Yates: the first `size` slots become a uniform random subset.
    for (let i = 0; i < size; i++) {
      const j = i + Number(rng.nextU64() % BigInt(trainCount - i));
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
    }
    subsets.push(pool.slice(0, size));
  }
  return subsets;
}

export interface ImageDcr {
  /** Distance to the nearest holdout (unseen-patient) embedding. */
  holdoutNnDistance: number;
  /** Fraction of training subsets whose nearest is closer than the holdout nearest (ties 1/2). */
  trainCloserShare: number;
}

export function imageDcr(trainDistances: ArrayLike<number>, holdoutNnDistance: number, subsets: readonly Uint32Array[]): ImageDcr {
  if (subsets.length === 0) throw new RangeError('at least one training subset is needed');
  let score = 0;
  for (const subset of subsets) {
    let nearest = Infinity;
    for (let i = 0; i < subset.length; i++) nearest = Math.min(nearest, trainDistances[subset[i]]);
    score += nearest < holdoutNnDistance ? 1 : nearest === holdoutNnDistance ? 0.5 : 0;
  }
  return { holdoutNnDistance, trainCloserShare: score / subsets.length };
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
