// Loading a model bundle folder (docs/bundle-format.md): manifest validation, file integrity
// (size + sha256), reference data lengths, and the three ONNX graphs, each refusal naming the file
// or field. Also where the product looks for its default bundle.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import type { ModelSummary } from '../domain/model';
import { Manifest, ManifestError, validateManifest } from './manifest';
import { createSession, ProviderName } from '../onnx/providers';
import { EmbeddingMatrix, embeddingMatrix } from '../privacy/nn-search';

export interface Bundle {
  dir: string;
  manifest: Manifest;
  /** sha256 (hex) of manifest.json's bytes. */
  bundleHash: string;
  summary: ModelSummary;
  /** Embeddings of every training image (privacy reference). */
  reference: EmbeddingMatrix;
  /** Embeddings of the validation (unseen-patient) images. */
  holdout: EmbeddingMatrix;
}

export interface LoadedBundle extends Bundle {
  sessions: { denoiser: InferenceSession; decoder: InferenceSession; embedder: InferenceSession };
}

const REPO_ROOT = resolve(__dirname, '..', '..', existsSync(resolve(__dirname, '..', '..', 'package.json')) ? '' : '..');

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readEmbeddings(dir: string, m: Manifest, which: 'reference' | 'holdout'): EmbeddingMatrix {
  const spec = m.privacy[which];
  const D = m.privacy.embeddingDim;
  const bytes = readFileSync(join(dir, spec.file));
  const expected = spec.count * D * 4;
  if (bytes.length !== expected) {
    throw new ManifestError(`${spec.file}: privacy.${which} file has ${bytes.length} bytes, expected count ${spec.count} x embeddingDim ${D} x 4 = ${expected}`);
  }
  const ids = readFileSync(join(dir, spec.idsFile), 'utf8').split('\n').filter((line) => line.length > 0);
  if (ids.length !== spec.count) {
    throw new ManifestError(`${spec.idsFile}: privacy.${which}.idsFile has ${ids.length} ids, expected count ${spec.count}`);
  }
  if (endianness() !== 'LE') throw new Error('reference embeddings are little-endian; this host is big-endian');
  // Copy so the Float32Array is 4-byte aligned whatever Buffer pool offset readFileSync used.
  return embeddingMatrix(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), D);
}

/** Reads and checks everything but the ONNX graphs. Throws ManifestError naming the file or field. */
export function readBundle(dirIn: string): Bundle {
  const dir = resolve(dirIn);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new ManifestError(`${manifestPath}: no manifest.json in the bundle folder`);
  const manifestBytes = readFileSync(manifestPath);
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestBytes.toString('utf8'));
  } catch (e) {
    throw new ManifestError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  const manifest = validateManifest(parsed, manifestPath);
  for (const [file, { sha256: expectedHash, bytes }] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new ManifestError(`${file}: listed in the manifest but missing from ${dir}`);
    const content = readFileSync(path);
    if (content.length !== bytes) throw new ManifestError(`${file}: ${content.length} bytes, the manifest says ${bytes}`);
    if (sha256(content) !== expectedHash) throw new ManifestError(`${file}: sha256 differs from the manifest`);
  }
  const modelCardPath = join(dir, 'model-card.md');
  const modelCard = 'model-card.md' in manifest.files ? readFileSync(modelCardPath, 'utf8') : null;
  return {
    dir,
    manifest,
    bundleHash: sha256(manifestBytes),
    reference: readEmbeddings(dir, manifest, 'reference'),
    holdout: readEmbeddings(dir, manifest, 'holdout'),
    summary: {
      modelId: manifest.modelId,
      name: manifest.name,
      bundleHash: sha256(manifestBytes),
      classes: manifest.classes.map((c) => ({ ...c })),
      ...manifest.sampling,
      height: manifest.image.height,
      width: manifest.image.width,
      evaluation: manifest.evaluation,
      modelCard,
      fixture: manifest.provenance.fixture === true,
      trainingData: {
        dataset: manifest.provenance.dataset,
        licence: manifest.provenance.licence,
        citation: manifest.provenance.citation,
      },
    },
  };
}

async function openGraph(bundle: Bundle, name: 'denoiser' | 'decoder' | 'embedder', provider: ProviderName): Promise<InferenceSession> {
  const spec = bundle.manifest.graphs[name];
  let session: InferenceSession;
  try {
    session = await createSession(join(bundle.dir, spec.file), provider);
  } catch (e) {
    throw new ManifestError(`${spec.file}: graph ${name} cannot be loaded (${(e as Error).message.split('\n')[0]})`);
  }
  const want = { inputs: spec.inputs.map((t) => t.name), outputs: spec.outputs.map((t) => t.name) };
  const have = { inputs: [...session.inputNames], outputs: [...session.outputNames] };
  for (const side of ['inputs', 'outputs'] as const) {
    if ([...want[side]].sort().join(',') !== [...have[side]].sort().join(',')) {
      await session.release();
      throw new ManifestError(`${spec.file}: graph ${name} has ${side} [${have[side].join(', ')}], the manifest says [${want[side].join(', ')}]`);
    }
  }
  return session;
}

/** Reads, checks and opens a bundle on `provider`. */
export async function loadBundle(dir: string, provider: ProviderName): Promise<LoadedBundle> {
  const bundle = readBundle(dir);
  const denoiser = await openGraph(bundle, 'denoiser', provider);
  try {
    const decoder = await openGraph(bundle, 'decoder', provider);
    try {
      return { ...bundle, sessions: { denoiser, decoder, embedder: await openGraph(bundle, 'embedder', provider) } };
    } catch (e) {
      await decoder.release();
      throw e;
    }
  } catch (e) {
    await denoiser.release();
    throw e;
  }
}

export const FIXTURE_BUNDLE_DIR = join(REPO_ROOT, 'tests', 'fixtures', 'tiny-bundle');

/**
 * The product's bundles: every models/<name>/ holding a manifest.json; the tiny test fixture only
 * when there is none, announced loudly because its images are not worth selling.
 */
export function defaultBundleDirs(log: (line: string) => void = (line) => console.warn(line), root = REPO_ROOT): string[] {
  const modelsDir = join(root, 'models');
  const real = existsSync(modelsDir)
    ? readdirSync(modelsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(modelsDir, d.name, 'manifest.json')))
        .map((d) => join(modelsDir, d.name))
        .sort()
    : [];
  if (real.length > 0) return real;
  log(`WARNING: no model bundle under ${modelsDir}; using the TINY TEST FIXTURE ${FIXTURE_BUNDLE_DIR}. Its images are not realistic: train and ship a real bundle before serving partners.`);
  return [FIXTURE_BUNDLE_DIR];
}
