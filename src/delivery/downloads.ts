// The download service: issues signed links for a partner's completed cohort, and turns a valid
// link into the archive plan that the HTTP route streams. Orders are read through scopedOrders, so
// a link can never reach another partner's rows even if the token check were wrong.
import { DataSource } from 'typeorm';
import { cohortExpiresAt, cohortGoneMessage } from '../domain/cohort-retention';
import { CertificateEntity, OrderEntity } from '../entities/order';
import { toCertificateFile, PublishedKey } from '../privacy/certificate-file';
import { AppError } from '../services/errors';
import { findModel } from '../services/models';
import { cohortDeletions } from '../services/order-lifecycle';
import { scopedOrders } from '../services/order-access';
import type { PartnerPrincipal } from '../services/principal';
import { planEtag } from './archive-plan';
import { cohortEntries, ImageReader } from './cohort-entries';
import { datasetCard } from './dataset-card';
import { ArchiveFormat, DownloadClaims, signDownloadToken } from './links';
import { PreparedDownload, PreparedDownloads } from './prepared-downloads';
import { tarPlan } from './tar';
import { zipPlan } from './zip';

export interface DeliveryDeps {
  ds: DataSource;
  store: ImageReader;
  linkSecret: Buffer;
  /** The public keys the API publishes (certificate.json embeds them for offline checks). */
  publicKeys(): Promise<PublishedKey[]> | PublishedKey[];
  /** How long a link stays valid. */
  linkTtlSeconds: number;
  /** The API's public origin (e.g. https://api.example.org); null: links are origin-relative paths. */
  publicUrl: string | null;
  /** The archives prepared so far: a resumed download (a Range request) reuses its plan. */
  prepared: PreparedDownloads;
  /** How long cohorts are kept after their order ends (0: until deleted); the dataset card states the date. */
  cohortRetentionSeconds: number;
}

export interface SignedDownloadLink {
  url: string;
  expiresAt: Date;
}

const CONTENT_TYPES: Record<ArchiveFormat, string> = { zip: 'application/zip', tar: 'application/x-tar' };

async function completedOrder(deps: DeliveryDeps, who: PartnerPrincipal, orderId: string): Promise<OrderEntity> {
  const order = await scopedOrders(deps.ds, who).find(orderId);
  if (order.status === 'FAILED' || order.status === 'CANCELLED') {
    // Final: it will never complete, so say why rather than "once it is completed".
    const why = order.status === 'FAILED' ? `failed (${order.failureReason ?? 'no reason recorded'})` : 'was cancelled';
    throw new AppError('CONFLICT', 'ORDER_NOT_COMPLETED', `Order ${order.id} ${why}; its cohort is not delivered and cannot be downloaded.`);
  }
  if (order.status !== 'COMPLETED' || !order.finishedAt) {
    throw new AppError('CONFLICT', 'ORDER_NOT_COMPLETED', `Order ${order.id} is ${order.status.toLowerCase()}; its cohort can be downloaded once it is completed.`);
  }
  // Checked on every request, before any prepared plan is reused: a deleted cohort is never served.
  const deleted = (await cohortDeletions(deps.ds, [order.id])).get(order.id);
  if (deleted) throw new AppError('GONE', 'COHORT_DELETED', cohortGoneMessage(deleted), { deletedAt: deleted.deletedAt.toISOString(), deletionReason: deleted.reason });
  return order;
}

/** The certificate.json a cohort's archive carries; the API serves the same bytes as Certificate.file. */
export function certificateJson(cert: CertificateEntity, keys: PublishedKey[]): string {
  return toCertificateFile({ certificateId: cert.id, keyId: cert.keyId, payload: cert.payload, signature: cert.signature, passed: cert.passed, reason: cert.reason }, keys);
}

/** A link to /downloads/<token> (under the public URL when configured), for the calling partner only. */
export async function createDownloadLink(
  deps: DeliveryDeps,
  who: PartnerPrincipal,
  orderId: string,
  format: ArchiveFormat,
  now = new Date(),
): Promise<SignedDownloadLink> {
  const order = await completedOrder(deps, who, orderId);
  const expiresAt = Math.floor(now.getTime() / 1000) + deps.linkTtlSeconds;
  const claims: DownloadClaims = { orderId: order.id, partnerId: who.partnerId, format, expiresAt };
  // Issuing is audited with the mutation (resolvers/audit-mutations); serving and refusals by the route.
  const token = signDownloadToken(claims, deps.linkSecret);
  return { url: `${(deps.publicUrl ?? '').replace(/\/+$/, '')}/downloads/${token}`, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * The archive for a checked link's claims; the caller has verified the token for `who`. One lookup
 * of the order (scoped to `who`) per request; the rest is built once per order and format, since a
 * completed order never changes.
 */
export async function prepareDownload(deps: DeliveryDeps, who: PartnerPrincipal, claims: DownloadClaims): Promise<PreparedDownload> {
  const order = await completedOrder(deps, who, claims.orderId);
  return deps.prepared.get(order.id, claims.format, () => buildDownload(deps, who, order, claims.format));
}

async function buildDownload(deps: DeliveryDeps, who: PartnerPrincipal, order: OrderEntity, format: ArchiveFormat): Promise<PreparedDownload> {
  const [{ images, certificate: cert }, model, keys] = await Promise.all([scopedOrders(deps.ds, who).contents(order), findModel(deps.ds, order.modelId), deps.publicKeys()]);
  if (!cert || !cert.passed) {
    throw new AppError('CONFLICT', 'CERTIFICATE_MISSING', `Order ${order.id} has no passing privacy certificate, so its cohort is not delivered.`);
  }
  if (!model) throw new Error(`order ${order.id} names model ${order.modelId}, which no worker has announced`);
  const finishedAt = order.finishedAt as Date;
  const entries = await cohortEntries(
    {
      size: order.size,
      images: images.map((i) => ({ index: i.idx, birads: i.birads, seed: i.seed, nnDistance: i.nnDistance, sha256: i.sha256, bytes: i.bytes, crc32: i.crc32 })),
      certificateJson: certificateJson(cert, keys),
      modelCard: model.modelCard ?? `# ${model.name}\n\nThe model bundle \`${model.modelId}\` ships no model card.\n`,
      datasetCard: datasetCard({
        orderId: order.id,
        certificateId: cert.id,
        model: { modelId: model.modelId, name: model.name, bundleHash: model.bundleHash, fixture: model.fixture },
        counts: order.counts,
        sampler: order.sampler,
        steps: order.steps,
        guidance: order.guidance,
        orderSeed: order.seed,
        rejections: images.reduce((n, i) => n + i.rejections, 0),
        createdAt: order.createdAt,
        finishedAt,
        expiresAt: cohortExpiresAt(order, deps.cohortRetentionSeconds, false),
        trainingData: model.trainingData,
      }),
    },
    deps.store,
  );
  const plan = (format === 'zip' ? zipPlan : tarPlan)(entries, finishedAt);
  return { plan, etag: planEtag(plan), fileName: `synthbus-${order.id}.${format}`, contentType: CONTENT_TYPES[format] };
}
