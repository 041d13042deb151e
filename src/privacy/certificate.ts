// The cohort privacy certificate: the record (per image and per cohort, docs/certificate-format.md),
// the cohort-level verdict, and its Ed25519 signature over the RFC 8785 canonical JSON.
import { CohortCertificateInput, ImagePrivacyRecord, SignedCertificate } from '../domain/cohort';
import { InputError } from '../domain/input-error';
import type { CertificateModel, Quantile } from '../domain/model';
import { canonicalize } from '../domain/canonical-json';
import { CohortDcr, cohortDcr } from './dcr';
import { signPayload, SigningKey } from './keys';
import { quantiles } from './quantiles';

export const CERTIFICATE_TYPE = 'synthbus.privacy-certificate';
export const CERTIFICATE_VERSION = 1;

export interface CertificateRecord {
  type: typeof CERTIFICATE_TYPE;
  version: typeof CERTIFICATE_VERSION;
  certificateId: string;
  keyId: string;
  signedAt: string;
  model: { modelId: string; name: string; bundleHash: string };
  order: { orderId: string; seed: string; steps: number; guidance: number; details: Record<string, unknown> };
  timestamps: { createdAt: string; completedAt: string };
  privacyCheck: { metric: 'euclidean-unit'; search: 'exact'; threshold: number; rule: string };
  counts: { generated: number; rejected: number; delivered: number };
  nnDistances: {
    min: number;
    max: number;
    /** Delivered images' NN distances at the manifest's quantile levels. */
    delivered: Quantile[];
    /** Each training image's distance to its nearest other training image (manifest calibration). */
    trainingToTraining: Quantile[];
    /** Each validation image's distance to its nearest training image (manifest calibration). */
    holdoutToTraining: Quantile[];
  };
  dcr: CohortDcr & { confidence: 0.95; subsets: number; subsetSize: number; method: string };
  verdict: { passed: boolean; reason: string | null };
  images: ImagePrivacyRecord[];
}

const DCR_METHOD =
  'share of delivered images whose nearest training embedding is closer than their nearest holdout embedding, ' +
  'over random equal-size subsets of both sets; 95% Wilson interval; fails when the interval lies above 0.5';

function checkCertifiable(input: CohortCertificateInput, model: CertificateModel): void {
  if (input.params.modelId !== model.modelId) throw new InputError('params.modelId', `model ${input.params.modelId} is not ${model.modelId}`);
  if (input.images.length === 0) throw new InputError('images', 'a certificate needs at least one delivered image');
  const seen = new Set<number>();
  for (const img of input.images) {
    if (seen.has(img.index)) throw new InputError('images', `image index ${img.index} appears twice`);
    seen.add(img.index);
    if (img.passed !== true || !(img.nnDistance >= img.threshold)) {
      throw new InputError('images', `image ${img.index} did not pass the privacy check and cannot be certified`);
    }
    if (typeof img.dcr.trainCloserShare !== 'number') throw new InputError('images', `image ${img.index} has no dcr.trainCloserShare`);
  }
}

export function buildCertificateRecord(
  input: CohortCertificateInput,
  model: CertificateModel,
  keyId: string,
  signedAt: string,
): CertificateRecord {
  checkCertifiable(input, model);
  const images = [...input.images].sort((a, b) => a.index - b.index);
  const distances = images.map((i) => i.nnDistance);
  const rejected = images.reduce((n, i) => n + i.rejections.length, 0);
  const dcr = cohortDcr(images.map((i) => i.dcr.trainCloserShare));
  const reason =
    dcr.verdict === 'fail'
      ? `distance-to-closest-record share ${dcr.share.toFixed(3)} (95% CI ${dcr.ciLow.toFixed(3)}-${dcr.ciHigh.toFixed(3)}) ` +
        'is significantly above 0.5: the images are closer to training patients than to unseen ones, a sign of memorization'
      : null;
  const { params } = input;
  return {
    type: CERTIFICATE_TYPE,
    version: CERTIFICATE_VERSION,
    certificateId: params.certificateId,
    keyId,
    signedAt,
    model: { modelId: model.modelId, name: model.name, bundleHash: model.bundleHash },
    order: { orderId: params.orderId, seed: String(params.orderSeed), steps: params.steps, guidance: params.guidance, details: input.order },
    timestamps: { createdAt: input.createdAt, completedAt: input.completedAt },
    privacyCheck: {
      metric: 'euclidean-unit',
      search: 'exact',
      threshold: model.threshold,
      rule: 'an image is delivered only if its distance to the nearest training embedding is at least the threshold',
    },
    counts: { generated: images.length + rejected, rejected, delivered: images.length },
    nnDistances: {
      min: Math.min(...distances),
      max: Math.max(...distances),
      delivered: quantiles(distances, model.trainNnQuantiles.map((x) => x.q)),
      trainingToTraining: model.trainNnQuantiles,
      holdoutToTraining: model.holdoutNnQuantiles,
    },
    dcr: { ...dcr, confidence: 0.95, subsets: model.dcrSubsets.count, subsetSize: model.dcrSubsets.size, method: DCR_METHOD },
    verdict: { passed: reason === null, reason },
    images,
  };
}

export function signCertificate(record: CertificateRecord, key: SigningKey): SignedCertificate {
  if (record.keyId !== key.keyId) throw new Error(`record names key ${record.keyId} but is signed with ${key.keyId}`);
  const payload = canonicalize(record);
  return {
    certificateId: record.certificateId,
    keyId: key.keyId,
    payload,
    signature: signPayload(key, payload),
    passed: record.verdict.passed,
    reason: record.verdict.reason,
  };
}
