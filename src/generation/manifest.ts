// The bundle manifest, version 1: its TypeScript shape, schema validation (ajv, draft 2020-12,
// schemas/manifest-v1.schema.json) and the cross-field rules the schema cannot express.
// Every refusal names the offending field.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import manifestSchema from '../../schemas/manifest-v1.schema.json';
import type { ModelClass, Quantile, SamplingRanges } from '../domain/model';

export interface TensorSpec {
  name: string;
  dtype: 'float32' | 'float16' | 'int64';
  shape: number[];
}

export interface GraphSpec {
  file: string;
  opset: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface EmbeddingSetSpec {
  file: string;
  count: number;
  dtype: 'float32';
  idsFile: string;
}


export interface Manifest {
  schemaVersion: 1;
  modelId: string;
  name: string;
  createdAt: string;
  classes: ModelClass[];
  nullLabel: number;
  image: { height: number; width: number; channels: 1 };
  latent: { channels: number; height: number; width: number; scaleFactor: number; downsampling: number };
  schedule: {
    trainTimesteps: number;
    betaSchedule: 'linear' | 'scaled_linear' | 'cosine';
    alphasCumprod: number[];
    predictionType: 'epsilon' | 'v_prediction';
    timestepSpacing: 'leading' | 'trailing';
    finalAlphaCumprod: 'one' | 'first';
  };
  /** Exactly these fields (the schema forbids others), so the model summary carries it whole. */
  sampling: SamplingRanges;
  graphs: { denoiser: GraphSpec; decoder: GraphSpec; embedder: GraphSpec };
  privacy: {
    embeddingDim: number;
    metric: 'euclidean-unit';
    reference: EmbeddingSetSpec;
    holdout: EmbeddingSetSpec;
    threshold: number;
    calibration: {
      method: string;
      trainNnQuantiles: Quantile[];
      holdoutNnQuantiles: Quantile[];
      copyDetection: { copiesCaught: number; distinctFlagged: number; copies: number; distinct: number };
    };
  };
  provenance: {
    dataset: string;
    licence: string;
    citation: string;
    codeVersion: string;
    trainingConfig: Record<string, unknown>;
    trainedOn: string;
    trainedFor: string;
    fixture?: boolean;
  };
  evaluation: Record<string, unknown>;
  files: Record<string, { sha256: string; bytes: number }>;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

let compiled: ReturnType<Ajv2020['compile']> | null = null;

function schemaValidator(): ReturnType<Ajv2020['compile']> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    compiled = ajv.compile(manifestSchema);
  }
  return compiled;
}

/** Field path in manifest notation, e.g. "schedule.predictionType" or "classes[2].index". */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(root)';
}

/** Checks `value` against the v1 schema and the cross-field rules; returns it typed or throws naming the field. */
export function validateManifest(value: unknown, source = 'manifest.json'): Manifest {
  if (typeof value === 'object' && value !== null && 'schemaVersion' in value && (value as { schemaVersion: unknown }).schemaVersion !== 1) {
    throw new ManifestError(`${source}: schemaVersion ${JSON.stringify((value as { schemaVersion: unknown }).schemaVersion)} is not supported (this reader knows version 1)`);
  }
  const validate = schemaValidator();
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => {
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'required') return `${fieldPath(e.instancePath, String(params.missingProperty))} is missing`;
      if (e.keyword === 'additionalProperties') return `${fieldPath(e.instancePath, String(params.additionalProperty))} is not a known field`;
      if (e.keyword === 'enum') return `${fieldPath(e.instancePath)} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      return `${fieldPath(e.instancePath)} ${e.message ?? 'is invalid'}`;
    });
    throw new ManifestError(`${source}: ${problems.join('; ')}`);
  }
  const m = value as Manifest;
  checkCrossFields(m, source);
  return m;
}

function fail(source: string, field: string, message: string): never {
  throw new ManifestError(`${source}: ${field} ${message}`);
}

function checkTensor(source: string, field: string, actual: TensorSpec | undefined, name: string, dtype: TensorSpec['dtype'], shape: number[]): void {
  if (!actual) fail(source, field, `is missing (expected tensor "${name}")`);
  if (actual.name !== name) fail(source, `${field}.name`, `is "${actual.name}", expected "${name}"`);
  if (actual.dtype !== dtype) fail(source, `${field}.dtype`, `is ${actual.dtype}, expected ${dtype}`);
  // -1 beyond the batch dimension means the exporter left that dimension symbolic; the sampler
  // checks the real output sizes at run time.
  if (actual.shape.length !== shape.length || actual.shape.some((d, i) => d !== shape[i] && !(i > 0 && d === -1))) {
    fail(source, `${field}.shape`, `is [${actual.shape.join(',')}], expected [${shape.join(',')}]`);
  }
}

function checkCrossFields(m: Manifest, src: string): void {
  const indices = new Set<number>();
  const birads = new Set<number>();
  m.classes.forEach((c, i) => {
    if (indices.has(c.index)) fail(src, `classes[${i}].index`, `${c.index} is used by two classes`);
    if (birads.has(c.birads)) fail(src, `classes[${i}].birads`, `${c.birads} is listed twice`);
    indices.add(c.index);
    birads.add(c.birads);
  });
  if (indices.has(m.nullLabel)) fail(src, 'nullLabel', `${m.nullLabel} is also a class index`);

  const { trainTimesteps: T, alphasCumprod } = m.schedule;
  if (alphasCumprod.length !== T) fail(src, 'schedule.alphasCumprod', `has ${alphasCumprod.length} values, expected trainTimesteps = ${T}`);
  for (let t = 1; t < T; t++) {
    if (alphasCumprod[t] > alphasCumprod[t - 1]) fail(src, `schedule.alphasCumprod[${t}]`, 'increases; alphas_cumprod must be non-increasing');
  }

  const s = m.sampling;
  if (!(s.minSteps <= s.defaultSteps && s.defaultSteps <= s.maxSteps)) fail(src, 'sampling.defaultSteps', `${s.defaultSteps} is not within [minSteps, maxSteps] = [${s.minSteps}, ${s.maxSteps}]`);
  if (s.maxSteps > T) fail(src, 'sampling.maxSteps', `${s.maxSteps} exceeds schedule.trainTimesteps ${T}`);
  if (!(s.minGuidance <= s.defaultGuidance && s.defaultGuidance <= s.maxGuidance)) fail(src, 'sampling.defaultGuidance', `${s.defaultGuidance} is not within [minGuidance, maxGuidance] = [${s.minGuidance}, ${s.maxGuidance}]`);

  const L = m.latent;
  if (L.height * L.downsampling !== m.image.height) fail(src, 'latent.height', `${L.height} x downsampling ${L.downsampling} is not image.height ${m.image.height}`);
  if (L.width * L.downsampling !== m.image.width) fail(src, 'latent.width', `${L.width} x downsampling ${L.downsampling} is not image.width ${m.image.width}`);

  const latentShape = [-1, L.channels, L.height, L.width];
  const imageShape = [-1, 1, m.image.height, m.image.width];
  const g = m.graphs;
  checkTensor(src, 'graphs.denoiser.inputs[0]', g.denoiser.inputs[0], 'latent', 'float32', latentShape);
  checkTensor(src, 'graphs.denoiser.inputs[1]', g.denoiser.inputs[1], 'timestep', 'float32', [-1]);
  checkTensor(src, 'graphs.denoiser.inputs[2]', g.denoiser.inputs[2], 'label', 'int64', [-1]);
  checkTensor(src, 'graphs.denoiser.outputs[0]', g.denoiser.outputs[0], 'prediction', 'float32', latentShape);
  checkTensor(src, 'graphs.decoder.inputs[0]', g.decoder.inputs[0], 'latent', 'float32', latentShape);
  checkTensor(src, 'graphs.decoder.outputs[0]', g.decoder.outputs[0], 'image', 'float32', imageShape);
  checkTensor(src, 'graphs.embedder.inputs[0]', g.embedder.inputs[0], 'image', 'float32', imageShape);
  checkTensor(src, 'graphs.embedder.outputs[0]', g.embedder.outputs[0], 'embedding', 'float32', [-1, m.privacy.embeddingDim]);
  for (const [name, spec] of Object.entries(g)) {
    if (spec.inputs.length !== (name === 'denoiser' ? 3 : 1)) fail(src, `graphs.${name}.inputs`, `has ${spec.inputs.length} tensors`);
    if (spec.outputs.length !== 1) fail(src, `graphs.${name}.outputs`, `has ${spec.outputs.length} tensors, expected 1`);
  }

  const referenced: [string, string][] = [
    ['graphs.denoiser.file', g.denoiser.file],
    ['graphs.decoder.file', g.decoder.file],
    ['graphs.embedder.file', g.embedder.file],
    ['privacy.reference.file', m.privacy.reference.file],
    ['privacy.reference.idsFile', m.privacy.reference.idsFile],
    ['privacy.holdout.file', m.privacy.holdout.file],
    ['privacy.holdout.idsFile', m.privacy.holdout.idsFile],
  ];
  for (const [field, file] of referenced) {
    if (!(file in m.files)) fail(src, field, `names "${file}", which is not listed in files`);
  }
  for (const file of Object.keys(m.files)) {
    if (file === 'manifest.json' || file.startsWith('/') || file.split(/[\\/]/).includes('..')) {
      fail(src, `files["${file}"]`, 'is not a path inside the bundle folder');
    }
  }
  const { threshold, calibration } = m.privacy;
  if (threshold > 2) fail(src, 'privacy.threshold', `${threshold} exceeds 2, the largest distance between unit vectors`);
  for (const key of ['trainNnQuantiles', 'holdoutNnQuantiles'] as const) {
    const qs = calibration[key];
    for (let i = 1; i < qs.length; i++) {
      if (qs[i].q <= qs[i - 1].q) fail(src, `privacy.calibration.${key}[${i}].q`, 'is not increasing');
    }
  }
}
