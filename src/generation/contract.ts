// The contract between the sampling engine (src/generation, src/privacy) and the marketplace
// (services, worker). The worker only talks to a SamplingEngine; the API only reads ModelSummary.

/** What the API shows of a loaded bundle. */
export interface ModelSummary {
  modelId: string;
  name: string;
  /** sha256 (hex) of the bundle's manifest.json bytes. */
  bundleHash: string;
  classes: { birads: number; index: number; trainCount: number }[];
  defaultSteps: number;
  minSteps: number;
  maxSteps: number;
  defaultGuidance: number;
  minGuidance: number;
  maxGuidance: number;
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

/** Parameters of one cohort that every image of it shares. */
export interface CohortParams {
  modelId: string;
  orderId: string;
  certificateId: string;
  /** Non-negative integer below 2^53. */
  orderSeed: number;
  steps: number;
  guidance: number;
}

/** One image to make: its index in the order (0-based) and its class. */
export interface ImageRequest {
  index: number;
  birads: number;
}

/** Per-image privacy facts that go into the certificate; stored by the API as JSON. */
export interface ImagePrivacyRecord {
  index: number;
  birads: number;
  /** Decimal u64 seed of the delivered attempt. */
  seed: string;
  attempt: number;
  sha256: string;
  /** Distance to the nearest training reference (exact search). */
  nnDistance: number;
  threshold: number;
  passed: true;
  /** Rejected attempts before the delivered one. */
  rejections: { attempt: number; seed: string; nnDistance: number }[];
  /** Engine-specific extra facts for the cohort statistics (e.g. distance-to-closest-record). */
  dcr: Record<string, number>;
}

export interface DeliveredImage {
  record: ImagePrivacyRecord;
  /** 8-bit grayscale PNG with provenance text chunks. */
  png: Buffer;
}

export interface CohortCertificateInput {
  params: CohortParams;
  /** Every delivered image's record, any order. */
  images: ImagePrivacyRecord[];
  /** The order as the partner placed it (mix, size, …), copied into the certificate. */
  order: Record<string, unknown>;
  createdAt: string;
  completedAt: string;
}

/** A signed certificate, as stored and served: canonical JSON text plus its signature. */
export interface SignedCertificate {
  certificateId: string;
  keyId: string;
  /** RFC 8785 canonical JSON of the certificate record. */
  payload: string;
  /** base64 Ed25519 signature over the payload's UTF-8 bytes. */
  signature: string;
  /** False when the cohort failed a cohort-level check; `reason` says why. */
  passed: boolean;
  reason: string | null;
}

export interface SamplingEngine {
  /** The execution provider that actually runs (after any fallback). */
  readonly provider: string;
  models(): ModelSummary[];
  /** Throws EngineInputError naming the field when the request is outside the model's ranges. */
  validate(modelId: string, birads: number[], steps: number, guidance: number): void;
  /**
   * Makes and privacy-checks the given images. Deterministic: the same params and items give
   * byte-identical PNGs. Images that fail the check are resampled with the next attempt's seed;
   * `onRejected` hears of each rejection. Throws if an image still fails after the last attempt.
   */
  generate(
    params: CohortParams,
    items: ImageRequest[],
    onRejected?: (r: { index: number; attempt: number; nnDistance: number }) => void,
  ): Promise<DeliveredImage[]>;
  /** Builds, checks and signs the cohort certificate. */
  certify(input: CohortCertificateInput): SignedCertificate;
  /** The public keys certificates may be signed with, current first (JWK-like, key id + PEM/raw). */
  publicKeys(): { keyId: string; publicKeyPem: string; createdAt: string; current: boolean }[];
}

/** Bad input to the engine: `field` names the offending parameter. */
export class EngineInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineInputError';
  }
}
