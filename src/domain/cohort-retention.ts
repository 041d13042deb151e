// How long the service keeps a cohort's images, and why they went. Pure: the policy (seconds) and
// the order's facts are passed in.
import { OrderStatus, isActive } from './order';

export const CohortDeletionReason = {
  /** The partner deleted it (deleteCohort). */
  PARTNER_DELETED: 'PARTNER_DELETED',
  /** Its retention ended and the sweeper deleted it. */
  EXPIRED: 'EXPIRED',
} as const;
export type CohortDeletionReason = (typeof CohortDeletionReason)[keyof typeof CohortDeletionReason];

/** A cohort's deletion as recorded: the order, its certificate and image records stay. */
export interface CohortDeletion {
  orderId: string;
  reason: CohortDeletionReason;
  /** The audit actor that deleted it ('partner:<id>', 'system'). */
  deletedBy: string;
  deletedAt: Date;
  /** Distinct images whose bytes left the store; null while removal is pending. */
  imagesRemoved: number | null;
  /** Distinct images kept because another order still files the same bytes; null while pending. */
  imagesKept: number | null;
  imagesRemovedAt: Date | null;
}

/**
 * When an order's cohort expires: `retentionSeconds` after the order ended (completed, failed or
 * cancelled). Null while it is queued or running, when the retention is 0 (kept until the partner
 * deletes it), and once it is deleted.
 */
export function cohortExpiresAt(order: { status: OrderStatus; finishedAt: Date | null }, retentionSeconds: number, deleted: boolean): Date | null {
  if (deleted || retentionSeconds === 0 || isActive(order.status) || !order.finishedAt) return null;
  return new Date(order.finishedAt.getTime() + retentionSeconds * 1000);
}

/** What a partner reads when a deleted cohort is asked for (a link, a download). */
export function cohortGoneMessage(d: Pick<CohortDeletion, 'orderId' | 'reason' | 'deletedAt'>): string {
  const why = d.reason === CohortDeletionReason.EXPIRED ? 'its retention period ended' : 'you deleted it with deleteCohort';
  return `The cohort of order ${d.orderId} was deleted on ${d.deletedAt.toISOString()} (${why}): its images and archives are gone. The order and its certificate remain readable.`;
}
