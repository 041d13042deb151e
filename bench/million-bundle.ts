// A copy of a bundle whose training reference set is replaced by other embeddings (the benchmark's
// 1,000,000 random unit vectors), with the manifest's count, sizes and hashes updated to match, so
// the engine loads it like any bundle. The graphs and the holdout set are the original's.
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeBundleWithReference(sourceDir: string, reference: Float32Array, outDir: string): void {
  const manifest = JSON.parse(readFileSync(join(sourceDir, 'manifest.json'), 'utf8')) as {
    privacy: { embeddingDim: number; reference: { file: string; idsFile: string; count: number } };
    files: Record<string, { sha256: string; bytes: number }>;
  };
  const spec = manifest.privacy.reference;
  for (const name of readdirSync(sourceDir)) if (name !== spec.file && name !== spec.idsFile) copyFileSync(join(sourceDir, name), join(outDir, name));
  spec.count = reference.length / manifest.privacy.embeddingDim;
  const written: [string, Uint8Array][] = [
    [spec.file, new Uint8Array(reference.buffer, reference.byteOffset, reference.byteLength)],
    [spec.idsFile, Buffer.from(Array.from({ length: spec.count }, (_, i) => `bench-${i}\n`).join(''))],
  ];
  for (const [name, bytes] of written) {
    writeFileSync(join(outDir, name), bytes);
    manifest.files[name] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  }
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
}
