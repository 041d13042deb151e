// A cohort as the sampling engine, the certifier and the marketplace see it.
import type { Sampler } from './model';

/** Parameters of one cohort that every image of it shares. */
export interface CohortParams {
  modelId: string;
  orderId: string;
  certificateId: string;
  /** Non-negative integer below 2^53. */
  orderSeed: number;
  sampler: Sampler;
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
