import { quantile, quantiles } from '../../src/privacy/quantiles';

describe('quantiles', () => {
  it('match numpy.quantile (linear interpolation)', () => {
    // numpy.quantile([0.9, 0.1, 0.5, 0.3, 0.7, 0.2], [0, 0.01, 0.25, 0.5, 0.9, 1])
    const want = [0.1, 0.10500000000000001, 0.225, 0.4, 0.8, 0.9];
    const got = quantiles([0.9, 0.1, 0.5, 0.3, 0.7, 0.2], [0, 0.01, 0.25, 0.5, 0.9, 1]);
    got.forEach((g, i) => expect(g.d).toBeCloseTo(want[i], 15));
    expect(got.map((g) => g.q)).toEqual([0, 0.01, 0.25, 0.5, 0.9, 1]);
  });

  it('refuses an empty sample and a level outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(/empty/);
    expect(() => quantile([1], 1.5)).toThrow(/level 1.5/);
  });
});
