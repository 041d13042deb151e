// Random unit vectors for the search benchmark and its FAISS test: inner-product search (FAISS
// IndexFlatIP) ranks them as nearest-neighbour search does.
import { gaussianNoise } from '../src/domain/rng';

export function unitRows(seed: bigint, count: number, dim: number): Float32Array {
  const data = gaussianNoise(seed, count * dim);
  for (let r = 0; r < count; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[r * dim + k] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) data[r * dim + k] *= inv;
  }
  return data;
}
