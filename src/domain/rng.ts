// Seeded Gaussian noise that is the same on every platform.
//
// Algorithm: SplitMix64 (Steele, Lea & Flood 2014) as the uniform stream, in exact 64-bit integer
// arithmetic (two uint32 halves, so no BigInt in the hot loop), and the Box-Muller transform (both
// outputs used, cosine first) for the normals. Box-Muller uses Math.log/sqrt/cos/sin, which V8
// implements itself (fdlibm port), so a given Node version gives bit-identical noise on every OS
// and CPU; results are rounded to float32. The rng test checks it against a Python reference.

const MASK64 = (1n << 64n) - 1n;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;

/** SplitMix64's output mixer on a bigint (seed derivation; not the hot path). */
export function mix64(value: bigint): bigint {
  let z = value & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** High 32 bits of the 64-bit product of two uint32 values (16-bit limbs keep every step exact). */
function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid1 = a1 * b0;
  const mid2 = a0 * b1;
  const carry = (((a0 * b0) >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16) + carry) >>> 0;
}

export class SplitMix64 {
  private hi: number;
  private lo: number;
  // Scratch output of next(): the 64-bit value as two uint32 halves.
  private outHi = 0;
  private outLo = 0;

  constructor(seed: bigint) {
    if (seed < 0n || seed > MASK64) throw new RangeError(`seed ${seed} is not an unsigned 64-bit integer`);
    this.hi = Number(seed >> 32n);
    this.lo = Number(seed & 0xffffffffn);
  }

  /** Advances by the golden gamma 0x9e3779b97f4a7c15 and mixes into outHi/outLo. */
  private next(): void {
    const lo = this.lo + 0x7f4a7c15;
    this.lo = lo >>> 0;
    this.hi = (this.hi + 0x9e3779b9 + (lo >= TWO_POW_32 ? 1 : 0)) >>> 0;
    let hi = this.hi;
    let l = this.lo;
    // z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
    l = (l ^ ((l >>> 30) | (hi << 2))) >>> 0;
    hi = (hi ^ (hi >>> 30)) >>> 0;
    [hi, l] = [(mulHi32(l, 0x1ce4e5b9) + Math.imul(hi, 0x1ce4e5b9) + Math.imul(l, 0xbf58476d)) >>> 0, Math.imul(l, 0x1ce4e5b9) >>> 0];
    // z = (z ^ (z >> 27)) * 0x94d049bb133111eb
    l = (l ^ ((l >>> 27) | (hi << 5))) >>> 0;
    hi = (hi ^ (hi >>> 27)) >>> 0;
    [hi, l] = [(mulHi32(l, 0x133111eb) + Math.imul(hi, 0x133111eb) + Math.imul(l, 0x94d049bb)) >>> 0, Math.imul(l, 0x133111eb) >>> 0];
    // z ^ (z >> 31)
    this.outLo = (l ^ ((l >>> 31) | (hi << 1))) >>> 0;
    this.outHi = (hi ^ (hi >>> 31)) >>> 0;
  }

  /** Next unsigned 64-bit value. */
  nextU64(): bigint {
    this.next();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** Next double in [0, 1): the top 53 bits of the next value, / 2^53. */
  nextUniform(): number {
    this.next();
    return (this.outHi * 2 ** 21 + (this.outLo >>> 11)) / TWO_POW_53;
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
