// Seeded Gaussian noise that is the same on every platform.
//
// Algorithm: SplitMix64 (Steele, Lea & Flood 2014) as the uniform stream, with exact 64-bit
// integer arithmetic (BigInt), and the Box-Muller transform (both outputs used, cosine first)
// for the normals. Box-Muller uses Math.log/sqrt/cos/sin, which V8 implements itself (fdlibm
// port), so a given Node version gives bit-identical noise on every OS and CPU; results are
// rounded to float32. A Python reference of the same algorithm is in the rng test.

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const TWO_POW_53 = 2 ** 53;

/** The SplitMix64 output function: a bijective 64-bit mixer. */
export function mix64(value: bigint): bigint {
  let z = value & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

export class SplitMix64 {
  private state: bigint;

  constructor(seed: bigint) {
    if (seed < 0n || seed > MASK64) throw new RangeError(`seed ${seed} is not an unsigned 64-bit integer`);
    this.state = seed;
  }

  /** Next unsigned 64-bit value. */
  nextU64(): bigint {
    this.state = (this.state + GOLDEN_GAMMA) & MASK64;
    return mix64(this.state);
  }

  /** Next double in [0, 1) with 53 random bits. */
  nextUniform(): number {
    return Number(this.nextU64() >> 11n) / TWO_POW_53;
  }
}

/** `count` standard normal float32 values from `seed`, in generation order. */
export function gaussianNoise(seed: bigint, count: number): Float32Array {
  const rng = new SplitMix64(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // u1 in (0, 1] so that log(u1) is finite.
    const u1 = 1 - rng.nextUniform();
    const u2 = rng.nextUniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    out[i] = r * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = r * Math.sin(angle);
  }
  return out;
}
