// Does a row's output depend on which other rows share its batch? The crash-recovery guarantee
// (an image's PNG bytes depend only on its own parameters) needs it not to. ORT's CPU kernels
// compute rows independently (checked bitwise for the fixture's graphs at batch sizes 1 to 64),
// but GPU kernels may pick different tilings per batch size, so the engine probes the graphs on
// the provider that actually runs and batches only when every probe agrees bit for bit.
import { Tensor } from 'onnxruntime-node';
import { LoadedBundle } from './bundle';
import { gaussianNoise } from '../domain/rng';

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}

/** Output row `position` of a graph run on `rows` rows whose row `position` is the probe row. */
type RunRows = (rows: number, position: number) => Promise<Float32Array>;

async function invariant(run: RunRows, maxRows: number): Promise<boolean> {
  const alone = await run(1, 0);
  for (const [rows, position] of [
    [3, 2],
    [maxRows, Math.floor(maxRows / 2) - 1],
  ]) {
    if (!sameBits(alone, await run(rows, position))) return false;
  }
  return true;
}

/** True when the denoiser (up to 2 x microBatch rows), decoder and embedder are batch-invariant. */
export async function isBatchInvariant(bundle: LoadedBundle, microBatch: number): Promise<boolean> {
  const { manifest, sessions } = bundle;
  const L = manifest.latent;
  const I = manifest.image;
  const latentSize = L.channels * L.height * L.width;
  const imageSize = I.height * I.width;
  const rowsOf = (data: Float32Array, size: number, rows: number, position: number): Float32Array => {
    // Probe row = row 0 of `data`; the others are rows 1.. in order.
    const out = new Float32Array(rows * size);
    for (let r = 0, other = 1; r < rows; r++) out.set(data.subarray((r === position ? 0 : other++) * size).subarray(0, size), r * size);
    return out;
  };
  const pick = (data: Float32Array, size: number, position: number) => data.slice(position * size, (position + 1) * size);
  const maxRows = 2 * microBatch;
  const latents = gaussianNoise(1n, maxRows * latentSize);
  const images = gaussianNoise(2n, microBatch * imageSize).map((v) => Math.max(-1, Math.min(1, v / 3)));
  const label = BigInt(manifest.classes[0].index);

  const denoiser: RunRows = async (rows, position) => {
    const out = await sessions.denoiser.run({
      latent: new Tensor('float32', rowsOf(latents, latentSize, rows, position), [rows, L.channels, L.height, L.width]),
      timestep: new Tensor('float32', new Float32Array(rows).fill(manifest.schedule.trainTimesteps / 2), [rows]),
      // The probe row is conditional; the others alternate, like a guided batch.
      label: new Tensor('int64', BigInt64Array.from({ length: rows }, (_, r) => (r !== position && r % 2 ? BigInt(manifest.nullLabel) : label)), [rows]),
    });
    return pick(out[sessions.denoiser.outputNames[0]].data as Float32Array, latentSize, position);
  };
  const decoder: RunRows = async (rows, position) => {
    const out = await sessions.decoder.run({ latent: new Tensor('float32', rowsOf(latents, latentSize, rows, position), [rows, L.channels, L.height, L.width]) });
    return pick(out[sessions.decoder.outputNames[0]].data as Float32Array, imageSize, position);
  };
  const embedder: RunRows = async (rows, position) => {
    const out = await sessions.embedder.run({ image: new Tensor('float32', rowsOf(images, imageSize, rows, position), [rows, 1, I.height, I.width]) });
    const data = out[sessions.embedder.outputNames[0]].data as Float32Array;
    return pick(data, data.length / rows, position);
  };
  return (await invariant(denoiser, maxRows)) && (await invariant(decoder, microBatch)) && (await invariant(embedder, microBatch));
}
