// Largest-remainder (Hamilton) apportionment: integer counts that sum exactly to the total.

export interface Share {
  birads: number;
  fraction: number;
}

/**
 * Each class first gets floor(fraction × total); the images left over go one each to the classes
 * with the largest remainders (ties: the larger fraction, then the lower BI-RADS category).
 * Fractions must be non-negative and sum to 1 (the caller validates that).
 */
export function apportion(shares: Share[], total: number): { birads: number; count: number }[] {
  const exact = shares.map((s) => ({ ...s, quota: s.fraction * total }));
  const out = exact.map((s) => ({ birads: s.birads, count: Math.floor(s.quota + 1e-9) }));
  let left = total - out.reduce((a, c) => a + c.count, 0);
  const order = exact
    .map((s, i) => ({ i, rem: s.quota - out[i].count, fraction: s.fraction, birads: s.birads }))
    .sort((a, b) => b.rem - a.rem || b.fraction - a.fraction || a.birads - b.birads);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k].i].count++;
  return out.sort((a, b) => a.birads - b.birads);
}
