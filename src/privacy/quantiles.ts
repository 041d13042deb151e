// Sample quantiles with linear interpolation between order statistics (numpy's default "linear",
// Hyndman & Fan type 7), so delivered-image figures line up with the manifest's calibration,
// which training/ computes with numpy.

export function quantile(sortedAscending: readonly number[], q: number): number {
  const n = sortedAscending.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level ${q} is not in [0, 1]`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sortedAscending[lo] + (h - lo) * (sortedAscending[hi] - sortedAscending[lo]);
}

export function quantiles(values: readonly number[], levels: readonly number[]): { q: number; d: number }[] {
  const sorted = [...values].sort((a, b) => a - b);
  return levels.map((q) => ({ q, d: quantile(sorted, q) }));
}
