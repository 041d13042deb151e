// What the marketplace knows of a loaded model bundle: the API shows it, orders are checked
// against it, certificates and dataset cards quote it.

/** The sampling parameters a model accepts, with their defaults (manifest `sampling`). */
export interface SamplingRanges {
  defaultSteps: number;
  minSteps: number;
  maxSteps: number;
  defaultGuidance: number;
  minGuidance: number;
  maxGuidance: number;
}

export interface ModelClass {
  birads: number;
  /** The label index the denoiser was trained with. */
  index: number;
  trainCount: number;
}

/** What the API shows of a loaded bundle. */
export interface ModelSummary extends SamplingRanges {
  modelId: string;
  name: string;
  /** sha256 (hex) of the bundle's manifest.json bytes. */
  bundleHash: string;
  classes: ModelClass[];
  /** Image size in pixels. */
  height: number;
  width: number;
  /** The manifest's evaluation figures, as written by training/. */
  evaluation: Record<string, unknown>;
  /** model-card.md text, if the bundle has one. */
  modelCard: string | null;
  /** True for the tiny CPU-trained test fixture. */
  fixture: boolean;
  /** The real data the model learned from, quoted in every cohort's dataset card. */
  trainingData: { dataset: string; licence: string; citation: string };
}

/** Distance quantile of a calibration set: `d` is the q-quantile. */
export interface Quantile {
  q: number;
  d: number;
}

/** The model facts a privacy certificate states and checks against. */
export interface CertificateModel {
  modelId: string;
  name: string;
  bundleHash: string;
  threshold: number;
  /** Each training image's distance to its nearest other training image (manifest calibration). */
  trainNnQuantiles: Quantile[];
  /** Each validation image's distance to its nearest training image (manifest calibration). */
  holdoutNnQuantiles: Quantile[];
  /** The distance-to-closest-record share's random subset pairs. */
  dcrSubsets: { count: number; size: number };
}

/**
 * The samplers an order can choose. DDIM is the bundle contract's reference sampler;
 * DPM-Solver++(2M) reaches DDIM's error in fewer steps (docs/performance.md).
 */
export const Sampler = {
  DDIM: 'DDIM',
  DPM_SOLVER_PP: 'DPM_SOLVER_PP',
} as const;
export type Sampler = (typeof Sampler)[keyof typeof Sampler];

/** The execution providers a worker can sample on. */
export const PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** A certificate signing key's public half, as published by the API. */
export interface PublicKeyInfo {
  keyId: string;
  publicKeyPem: string;
  createdAt: string;
  /** True for the key that signs new certificates. */
  current: boolean;
}
