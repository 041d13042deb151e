// Deleting a cohort: the order's images leave the store, while the order, its image privacy
// records (hashes, nearest-neighbour distances) and its certificate stay, so the certificate can
// still be read and checked against a copy the partner kept. Two steps, each safe to repeat:
// the deletion is recorded (order-lifecycle.markCohortDeleted: from then on links and downloads
// answer GONE), then each image's bytes are removed unless another live order files the same hash.
// A removal cut short (a crash, a storage fault) is finished by the expiry sweeper.
import type { DataSource } from 'typeorm';
import { AuditInput, appendAudit } from '../audit/log';
import { lockBlob } from '../db/blob-locks';
import { CohortDeletion, CohortDeletionReason } from '../domain/cohort-retention';
import type { ContentStore } from '../storage/content-store';
import { cohortDeletions, markCohortDeleted, markCohortImagesRemoved } from './order-lifecycle';

export interface CohortDeletionDeps {
  ds: DataSource;
  store: Pick<ContentStore, 'delete'>;
}

/** Who deletes, as the audit log names them ('partner:<id>' with its key, or 'system'). */
export type Deleter = Omit<AuditInput, 'action' | 'targetType' | 'targetId' | 'outcome' | 'detail'>;

/**
 * Removes the bytes of one hash unless an order whose cohort is not deleted still files them;
 * true if they are gone. Under the hash's lock, which a worker recording the same hash also takes
 * (worker/run-shard.ts): a recording committed first is seen here and keeps the bytes; one that
 * comes after finds them gone and files them again.
 */
function removeIfUnreferenced(deps: CohortDeletionDeps, sha256: string): Promise<boolean> {
  return deps.ds.transaction(async (m) => {
    await lockBlob(m, sha256);
    const [{ live }] = (await m.query(
      `SELECT EXISTS (SELECT 1 FROM order_images i WHERE i.sha256 = $1
                         AND NOT EXISTS (SELECT 1 FROM cohort_deletions d WHERE d.order_id = i.order_id)) AS live`,
      [sha256],
    )) as { live: boolean }[];
    if (live) return false;
    await deps.store.delete(sha256);
    return true;
  });
}

/** Removes a deleted cohort's images and records it (audited once, by whoever finishes). */
export async function removeCohortImages(deps: CohortDeletionDeps, deletion: CohortDeletion, by: Deleter): Promise<CohortDeletion> {
  const rows = (await deps.ds.query('SELECT DISTINCT sha256 FROM order_images WHERE order_id = $1 ORDER BY sha256', [deletion.orderId])) as { sha256: string }[];
  let removed = 0;
  for (const { sha256 } of rows) if (await removeIfUnreferenced(deps, sha256)) removed++;
  const kept = rows.length - removed;
  if (await markCohortImagesRemoved(deps.ds, deletion.orderId, removed, kept)) {
    await appendAudit(deps.ds, {
      ...by,
      action: 'cohort.deleted',
      targetType: 'order',
      targetId: deletion.orderId,
      detail: { reason: deletion.reason, deletedBy: deletion.deletedBy, deletedAt: deletion.deletedAt.toISOString(), imagesRemoved: removed, imagesKept: kept },
    });
  }
  return (await cohortDeletions(deps.ds, [deletion.orderId])).get(deletion.orderId) as CohortDeletion;
}

/**
 * Deletes an ended order's cohort (the caller has checked who may). Deleting again returns the
 * first deletion and finishes its removal if that was cut short. With `endedBefore` (expiry), an
 * order that ended later is left alone: null.
 */
export async function deleteCohort(deps: CohortDeletionDeps, orderId: string, reason: CohortDeletionReason, by: Deleter, endedBefore?: Date): Promise<CohortDeletion | null> {
  const deletion = await markCohortDeleted(deps.ds, orderId, reason, by.actor, endedBefore);
  if (!deletion || deletion.imagesRemovedAt) return deletion;
  return removeCohortImages(deps, deletion, by);
}
