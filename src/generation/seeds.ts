// Per-image seeds: a pure function of (order seed, image index, attempt), so a crash and a retry
// make the same image, and a rejected image's next attempt gets fresh, unrelated noise.
import { mix64 } from '../domain/rng';

const MAX_ORDER_SEED = Number.MAX_SAFE_INTEGER;

/**
 * seed = mix64(mix64(mix64(orderSeed) + index) + attempt), all mod 2^64. Chaining the mixer
 * (rather than adding the parts) keeps (index, attempt) pairs from colliding.
 */
export function deriveImageSeed(orderSeed: number, index: number, attempt: number): bigint {
  for (const [name, value, max] of [
    ['orderSeed', orderSeed, MAX_ORDER_SEED],
    ['index', index, 2 ** 32 - 1],
    ['attempt', attempt, 2 ** 16 - 1],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new RangeError(`${name} must be an integer in [0, ${max}], got ${value}`);
    }
  }
  const mask = (1n << 64n) - 1n;
  let h = mix64(BigInt(orderSeed));
  h = mix64((h + BigInt(index)) & mask);
  return mix64((h + BigInt(attempt)) & mask);
}
