// The queue of shard jobs: plain rows claimed with FOR UPDATE SKIP LOCKED. A claimed shard is
// ACTIVE and leased to its worker; the lease lives as long as the worker heartbeats and lists the
// shard as running (db/leases.ts), so a healthy shard never expires however long it runs. Every
// call here is awaited by its caller, unlike pg-boss 10's own completion calls, whose rejections
// escaped as unhandled (node_modules/pg-boss/src/manager.js: complete()/fail() not awaited).
import type { DataSource, EntityManager } from 'typeorm';
import { ACTIVE_STATUSES } from '../domain/order';

type Db = DataSource | EntityManager;

export interface ShardJob {
  orderId: string;
  shard: number;
  /** First image index (inclusive). */
  start: number;
  /** Last image index (exclusive). */
  end: number;
}

export interface QueuedShard extends ShardJob {
  id: string;
  modelId: string;
  /** The bundle the order was placed against: only a worker holding it may make the images. */
  bundleHash: string | null;
}

export interface ClaimedShard extends ShardJob {
  id: string;
  /** Failed runs so far (lost leases and database outages do not count). */
  failures: number;
}

/** A bundle a worker holds. */
export interface BundleRef {
  modelId: string;
  bundleHash: string;
}

/** Inserts an order's shards (in the caller's transaction, with the order row). */
export async function enqueueShards(m: EntityManager, jobs: QueuedShard[]): Promise<void> {
  await m.query(
    `INSERT INTO shard_jobs (id, order_id, shard, first_index, end_index, model_id, bundle_hash, state)
     SELECT id, order_id, shard, first_index, end_index, model_id, bundle_hash, 'QUEUED'
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[])
         AS j(id, order_id, shard, first_index, end_index, model_id, bundle_hash)`,
    [jobs.map((j) => j.id), jobs.map((j) => j.orderId), jobs.map((j) => j.shard), jobs.map((j) => j.start), jobs.map((j) => j.end), jobs.map((j) => j.modelId), jobs.map((j) => j.bundleHash)],
  );
}

/** Claims the oldest due shard made by one of `bundles`, leased to `workerId`; null if none. */
export async function claimShard(db: Db, workerId: string, bundles: BundleRef[]): Promise<ClaimedShard | null> {
  const rows = (await db.query(
    `UPDATE shard_jobs j SET state = 'ACTIVE', worker_id = $1, claimed_at = now()
      WHERE j.id = (
        SELECT c.id FROM shard_jobs c
         WHERE c.state = 'QUEUED' AND c.run_after <= now()
           AND EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS b(model_id, bundle_hash)
                        WHERE b.model_id = c.model_id AND (c.bundle_hash IS NULL OR c.bundle_hash = b.bundle_hash))
         ORDER BY c.created_at, c.shard
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
      RETURNING j.id, j.order_id, j.shard, j.first_index, j.end_index, j.failures`,
    [workerId, bundles.map((b) => b.modelId), bundles.map((b) => b.bundleHash)],
  )) as [{ id: string; order_id: string; shard: number; first_index: number; end_index: number; failures: number }[], number];
  const r = rows[0][0];
  return r ? { id: r.id, orderId: r.order_id, shard: r.shard, start: r.first_index, end: r.end_index, failures: r.failures } : null;
}

/** The shard is done (or has nothing left to do); false if `workerId` no longer held its lease. */
export async function completeShard(db: Db, id: string, workerId: string): Promise<boolean> {
  const [, n] = (await db.query(`UPDATE shard_jobs SET state = 'DONE', worker_id = NULL, claimed_at = NULL WHERE id = $1 AND worker_id = $2 AND state = 'ACTIVE'`, [id, workerId])) as [unknown, number];
  return n > 0;
}

/**
 * Hands the shard back to the queue, due in `delaySeconds`. `failure` (a message) counts the run
 * as failed; null hands it back uncounted (a drain, an outage). A shard whose order ended
 * meanwhile (a hand-back delayed by an outage) has nothing left to do: it is DONE instead. False
 * if the lease was lost.
 */
export async function requeueShard(db: Db, id: string, workerId: string, delaySeconds: number, failure: string | null): Promise<boolean> {
  const [, n] = (await db.query(
    `UPDATE shard_jobs j
        SET state = CASE WHEN o.status = ANY($5) THEN 'QUEUED' ELSE 'DONE' END, worker_id = NULL, claimed_at = NULL,
            run_after = now() + $3 * interval '1 second',
            failures = failures + CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END, last_error = COALESCE($4, last_error)
       FROM orders o
      WHERE j.id = $1 AND j.worker_id = $2 AND j.state = 'ACTIVE' AND o.id = j.order_id`,
    [id, workerId, delaySeconds, failure, ACTIVE_STATUSES],
  )) as [unknown, number];
  return n > 0;
}

/** Queues every shard of the order no worker holds, afresh (an admin retries a failed order). */
export async function requeueOrderShards(db: Db, orderId: string): Promise<void> {
  await db.query(
    `UPDATE shard_jobs SET state = 'QUEUED', worker_id = NULL, claimed_at = NULL, failures = 0, lapses = 0, run_after = now(), last_error = NULL
      WHERE order_id = $1 AND state <> 'ACTIVE'`,
    [orderId],
  );
}

/**
 * Withdraws an order's shards that no worker holds, as the order ends: DONE when it completed
 * (every image is recorded, e.g. by a run of the shard whose hand-back came late), CANCELLED when
 * it was cancelled or failed.
 */
export async function withdrawQueuedShards(db: Db, orderId: string, as: 'DONE' | 'CANCELLED'): Promise<void> {
  await db.query(`UPDATE shard_jobs SET state = $2 WHERE order_id = $1 AND state = 'QUEUED'`, [orderId, as]);
}
