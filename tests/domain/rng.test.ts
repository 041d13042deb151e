import { gaussianNoise, mix64, SplitMix64 } from '../../src/domain/rng';
import { deriveImageSeed } from '../../src/generation/seeds';

describe('SplitMix64', () => {
  it('matches the published SplitMix64 reference outputs for seed 1234567', () => {
    // The widely published test vector of Vigna's splitmix64.c (seed 1234567), also reproduced by
    // the Python reimplementation quoted below.
    const rng = new SplitMix64(1234567n);
    expect([1, 2, 3, 4, 5].map(() => rng.nextU64())).toEqual([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ]);
  });

  it('its 32-bit-halves arithmetic agrees with BigInt arithmetic: nextU64 = mix64(seed + gamma)', () => {
    const mask = (1n << 64n) - 1n;
    let seed = 0xfedcba9876543210n;
    for (let i = 0; i < 2000; i++) {
      seed = mix64(seed + BigInt(i));
      expect(new SplitMix64(seed).nextU64()).toBe(mix64((seed + 0x9e3779b97f4a7c15n) & mask));
    }
  });

  it('refuses a seed that is not an unsigned 64-bit integer', () => {
    expect(() => new SplitMix64(-1n)).toThrow(/unsigned 64-bit/);
    expect(() => new SplitMix64(1n << 64n)).toThrow(/unsigned 64-bit/);
  });
});

describe('gaussianNoise', () => {
  it('reproduces the Python reference of the same algorithm bit for bit', () => {
    // Python 3.11 (math.log/cos/sin from libm, then numpy.float32):
    //   r = SplitMix64(42); u1 = 1 - (r.next() >> 11) / 2**53; u2 = (r.next() >> 11) / 2**53
    //   z0, z1 = sqrt(-2 log u1) * cos(2 pi u2), sqrt(-2 log u1) * sin(2 pi u2)
    // printed as float32 bit patterns (numpy .view(np.uint32)) for the first 7 values of seed 42.
    const bits = new Uint32Array(gaussianNoise(42n, 7).buffer);
    expect([...bits]).toEqual([1063377680, 1068611966, 3202799051, 1059828755, 1044438915, 3193046730, 1046534976]);
  });

  it('is standard normal: mean 0, variance 1, about 68% within one sigma', () => {
    const n = 200_000;
    const z = gaussianNoise(7n, n);
    let sum = 0;
    let sq = 0;
    let within = 0;
    for (const v of z) {
      sum += v;
      sq += v * v;
      if (Math.abs(v) < 1) within++;
    }
    const mean = sum / n;
    // Standard errors at n = 200000: mean 0.0022, variance 0.0032, share 0.001; bounds are ~4.5 sigma.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(sq / n - mean * mean - 1)).toBeLessThan(0.015);
    expect(Math.abs(within / n - 0.6827)).toBeLessThan(0.005);
  });

  it('gives the same prefix whatever the length asked for', () => {
    expect(gaussianNoise(9n, 5)).toEqual(gaussianNoise(9n, 6).subarray(0, 5));
  });
});

describe('deriveImageSeed', () => {
  it('matches the Python reference of mix64(mix64(mix64(orderSeed) + index) + attempt)', () => {
    // Computed with Python integers (& (2**64 - 1) after each step), the same mixer as SplitMix64.
    expect(deriveImageSeed(123456789, 17, 0)).toBe(16235706063116261116n);
    expect(deriveImageSeed(123456789, 17, 1)).toBe(14333374779819865390n);
    expect(deriveImageSeed(2 ** 53 - 1, 4294967295, 65535)).toBe(12882005501577498213n);
  });

  it('gives distinct seeds for neighbouring (index, attempt) pairs', () => {
    const seen = new Set<bigint>();
    for (let index = 0; index < 100; index++) for (let attempt = 0; attempt < 10; attempt++) seen.add(deriveImageSeed(5, index, attempt));
    expect(seen.size).toBe(1000);
  });

  it('names the bad part of the seed input', () => {
    expect(() => deriveImageSeed(-1, 0, 0)).toThrow(/orderSeed/);
    expect(() => deriveImageSeed(1.5, 0, 0)).toThrow(/orderSeed/);
    expect(() => deriveImageSeed(0, -3, 0)).toThrow(/index/);
    expect(() => deriveImageSeed(0, 0, 70000)).toThrow(/attempt/);
  });
});
