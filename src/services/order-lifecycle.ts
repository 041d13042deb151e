// Every change of an order's state, each with its progress event in the same transaction: the
// only module that writes orders.status. Each change is one guarded UPDATE (WHERE status IN the
// states it may leave), so concurrent workers and API replicas cannot move an order backwards or
// twice. An order that ends withdraws its queued shards in the same transaction: none runs for
// nothing, and a shard claimed meanwhile finds the order ended and does nothing.
//
//   QUEUED ──start──▶ RUNNING ──finish──▶ COMPLETED (certificate passed)
//     │                 │      └─finish─▶ FAILED    (cohort privacy check failed)
//     ├──cancel─────────┴──cancel──────▶ CANCELLED
//     └──fail───────────┴──fail────────▶ FAILED    (a shard gave up)
//   FAILED ──retry──▶ QUEUED (an admin, once the infrastructure is fixed; never a certified cohort)
//   COMPLETED, FAILED, CANCELLED ──deleteCohort / expiry──▶ the same status, cohort deleted
//     (a cohort_deletions row: the images go, the order and certificate stay; never retried again)
import { DataSource, EntityManager } from 'typeorm';
import type { CohortCertificateInput, CohortParams, ImagePrivacyRecord, SignedCertificate } from '../domain/cohort';
import { CohortDeletion, CohortDeletionReason } from '../domain/cohort-retention';
import { ACTIVE_STATUSES, OrderStatus, isActive } from '../domain/order';
import { withdrawQueuedShards } from '../db/shard-queue';
import { CertificateEntity, OrderEntity } from '../entities/order';
import { AppError } from './errors';
import { publishOrderEvent } from './order-events';

type Db = DataSource | EntityManager;

function inTransaction<T>(db: Db, run: (m: EntityManager) => Promise<T>): Promise<T> {
  const m = db instanceof DataSource ? db.manager : db;
  return m.queryRunner?.isTransactionActive ? run(m) : m.transaction(run);
}

/** Sets `status` (and the columns in `set`) if the order is in one of `from`; true if it was. */
async function transition(m: EntityManager, orderId: string, from: readonly OrderStatus[], to: OrderStatus, set: Record<string, unknown> = {}): Promise<boolean> {
  const columns = Object.keys(set);
  const assignments = [`status = $3`, ...columns.map((c, i) => `${c} = $${i + 4}`)].join(', ');
  const res = (await m.query(`UPDATE orders SET ${assignments} WHERE id = $1 AND status = ANY($2) RETURNING id`, [orderId, from, to, ...columns.map((c) => set[c])])) as unknown[][];
  return (res[0]?.length ?? 0) > 0;
}

/** Inserts a new order as QUEUED and announces it (inside the caller's transaction, with its jobs). */
export async function queue(m: EntityManager, order: OrderEntity): Promise<OrderEntity> {
  order.status = OrderStatus.QUEUED;
  await m.getRepository(OrderEntity).save(order);
  await publishOrderEvent(m, order.id, 'QUEUED');
  return order;
}

/** QUEUED → RUNNING when the first shard starts; later shards find it running and change nothing. */
export function start(db: Db, orderId: string): Promise<void> {
  return inTransaction(db, async (m) => {
    if (await transition(m, orderId, [OrderStatus.QUEUED], OrderStatus.RUNNING, { started_at: new Date() })) await publishOrderEvent(m, orderId, 'STARTED');
  });
}

/** QUEUED or RUNNING → CANCELLED; an order that already ended is a CONFLICT naming its state. */
export function cancel(db: Db, orderId: string): Promise<OrderEntity> {
  return inTransaction(db, async (m) => {
    const cancelled = await transition(m, orderId, ACTIVE_STATUSES, OrderStatus.CANCELLED, { finished_at: new Date() });
    if (cancelled) {
      await withdrawQueuedShards(m, orderId, 'CANCELLED');
      await publishOrderEvent(m, orderId, 'CANCELLED');
    }
    const o = await m.getRepository(OrderEntity).findOneBy({ id: orderId });
    if (!o) throw new Error(`order ${orderId} vanished`);
    if (!cancelled) throw new AppError('CONFLICT', 'ORDER_FINISHED', `Order ${o.id} is already ${o.status.toLowerCase()} and cannot be cancelled.`);
    return o;
  });
}

/** QUEUED or RUNNING → FAILED with a reason the partner can read; an ended order is left alone. */
export function fail(db: Db, orderId: string, reason: string): Promise<void> {
  return inTransaction(db, async (m) => {
    if (await transition(m, orderId, ACTIVE_STATUSES, OrderStatus.FAILED, { failure_reason: reason, finished_at: new Date() })) {
      await withdrawQueuedShards(m, orderId, 'CANCELLED');
      await publishOrderEvent(m, orderId, 'FAILED');
    }
  });
}

/**
 * FAILED → QUEUED, for an order that failed for want of infrastructure (storage, workers). A
 * cohort that failed its privacy check has a certificate saying so and stays failed (CONFLICT).
 */
export function retry(db: Db, orderId: string): Promise<OrderEntity> {
  return inTransaction(db, async (m) => {
    // The order's lock first (a cohort deletion takes it too), then a fresh look: whichever of the
    // two comes second sees the other committed.
    await m.query('SELECT id FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
    if ((await cohortDeletions(m, [orderId])).size) throw new AppError('CONFLICT', 'COHORT_DELETED', `Order ${orderId}'s cohort was deleted; it cannot be made again.`);
    const certified = await m.getRepository(CertificateEntity).existsBy({ orderId });
    const queued = !certified && (await transition(m, orderId, [OrderStatus.FAILED], OrderStatus.QUEUED, { failure_reason: null, started_at: null, finished_at: null }));
    if (queued) await publishOrderEvent(m, orderId, 'QUEUED');
    const o = await m.getRepository(OrderEntity).findOneBy({ id: orderId });
    if (!o) throw new Error(`order ${orderId} vanished`);
    if (certified) throw new AppError('CONFLICT', 'ORDER_CERTIFIED', `Order ${o.id} was certified as ${o.status.toLowerCase()}; its cohort cannot be made again.`);
    if (!queued) throw new AppError('CONFLICT', 'ORDER_NOT_FAILED', `Order ${o.id} is ${o.status.toLowerCase()}; only a failed order can be retried.`);
    return o;
  });
}

interface CohortDeletionRow {
  order_id: string;
  reason: CohortDeletionReason;
  deleted_by: string;
  deleted_at: Date;
  images_removed: number | null;
  images_kept: number | null;
  images_removed_at: Date | null;
}

export function cohortDeletionOf(r: CohortDeletionRow): CohortDeletion {
  return { orderId: r.order_id, reason: r.reason, deletedBy: r.deleted_by, deletedAt: r.deleted_at, imagesRemoved: r.images_removed, imagesKept: r.images_kept, imagesRemovedAt: r.images_removed_at };
}

/** The recorded deletions of these orders' cohorts, by order id (absent: not deleted). */
export async function cohortDeletions(db: Db, orderIds: readonly string[]): Promise<Map<string, CohortDeletion>> {
  const rows = (await db.query('SELECT * FROM cohort_deletions WHERE order_id = ANY($1)', [orderIds])) as CohortDeletionRow[];
  return new Map(rows.map((r) => [r.order_id, cohortDeletionOf(r)]));
}

/**
 * Marks an ended order's cohort deleted (its images are removed afterwards, by
 * services/cohort-deletion.ts); a cohort already deleted keeps its first deletion (idempotent).
 * A queued or running order is a CONFLICT (cancel it first). With `endedBefore` (the expiry
 * sweeper), an order that ended later, or not at all, is left alone: null. The order's row lock
 * orders this against a concurrent retry.
 */
export function markCohortDeleted(db: Db, orderId: string, reason: CohortDeletionReason, deletedBy: string, endedBefore?: Date): Promise<CohortDeletion | null> {
  return inTransaction(db, async (m) => {
    const o = await m.getRepository(OrderEntity).findOne({ where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
    if (!o) throw new Error(`order ${orderId} vanished`);
    if (endedBefore && (isActive(o.status) || !o.finishedAt || o.finishedAt >= endedBefore)) return null;
    if (isActive(o.status)) {
      throw new AppError('CONFLICT', 'ORDER_ACTIVE', `Order ${o.id} is ${o.status.toLowerCase()}; cancel it first (cancelOrder), then delete its cohort.`);
    }
    await m.query('INSERT INTO cohort_deletions (order_id, reason, deleted_by) VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING', [orderId, reason, deletedBy]);
    const [row] = (await m.query('SELECT * FROM cohort_deletions WHERE order_id = $1', [orderId])) as CohortDeletionRow[];
    return cohortDeletionOf(row);
  });
}

/** Records that a deleted cohort's images are gone from the store; false if that was recorded already. */
export async function markCohortImagesRemoved(db: Db, orderId: string, removed: number, kept: number): Promise<boolean> {
  const res = (await db.query('UPDATE cohort_deletions SET images_removed = $2, images_kept = $3, images_removed_at = now() WHERE order_id = $1 AND images_removed_at IS NULL RETURNING order_id', [orderId, removed, kept])) as unknown[][];
  return (res[0]?.length ?? 0) > 0;
}

/** The parameters every image of the order's cohort shares. */
export function cohortParams(o: OrderEntity): CohortParams {
  return { modelId: o.modelId, orderId: o.id, certificateId: o.certificateId, orderSeed: o.seed, sampler: o.sampler, steps: o.steps, guidance: o.guidance };
}

/** What the certificate records of the order as placed. */
function certificateInput(o: OrderEntity, images: ImagePrivacyRecord[], completedAt: Date): CohortCertificateInput {
  return {
    params: cohortParams(o),
    images,
    order: { orderId: o.id, modelId: o.modelId, size: o.size, counts: o.counts, mix: o.mixInput, seed: o.seed, sampler: o.sampler, steps: o.steps, guidance: o.guidance },
    createdAt: o.createdAt.toISOString(),
    completedAt: completedAt.toISOString(),
  };
}

/**
 * RUNNING → COMPLETED (or FAILED when the cohort-level privacy check fails) once every image is
 * recorded: certifies the cohort and stores the certificate in the same transaction. The order row
 * is locked, so of several workers finishing shards at once exactly one certifies. FOR NO KEY
 * UPDATE, not FOR UPDATE: other shards' image inserts (their foreign key takes FOR KEY SHARE on
 * this row) go on meanwhile (with FOR UPDATE they waited at every shard's end: docs/performance.md).
 */
export function finishIfComplete(db: Db, orderId: string, certify: (input: CohortCertificateInput) => SignedCertificate): Promise<void> {
  return inTransaction(db, async (m) => {
    const o = await m.getRepository(OrderEntity).findOne({ where: { id: orderId }, lock: { mode: 'for_no_key_update' } });
    if (!o || o.status !== OrderStatus.RUNNING) return;
    const rows = (await m.query('SELECT record FROM order_images WHERE order_id = $1 ORDER BY idx', [orderId])) as { record: ImagePrivacyRecord }[];
    if (rows.length < o.size) return;
    const completedAt = new Date();
    const cert = certify(certificateInput(o, rows.map((r) => r.record), completedAt));
    await m.getRepository(CertificateEntity).insert({
      id: cert.certificateId,
      orderId: o.id,
      keyId: cert.keyId,
      payload: cert.payload,
      signature: cert.signature,
      passed: cert.passed,
      reason: cert.reason,
      createdAt: completedAt,
    });
    const to = cert.passed ? OrderStatus.COMPLETED : OrderStatus.FAILED;
    const failureReason = cert.passed ? null : `cohort privacy check failed: ${cert.reason ?? 'no reason given'}`;
    await transition(m, o.id, [OrderStatus.RUNNING], to, { failure_reason: failureReason, finished_at: completedAt });
    await withdrawQueuedShards(m, o.id, 'DONE');
    await publishOrderEvent(m, o.id, to);
  });
}
