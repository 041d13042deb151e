// The expiry sweeper: every API process runs it (one at a time across replicas, by advisory
// lock). Each pass deletes the cohorts whose retention ended, the way deleteCohort does but
// audited as the system, and finishes any removal that was cut short.
import type { DataSource } from 'typeorm';
import { Periodic, startPeriodic } from '../db/periodic';
import { isDatabaseUnavailable } from '../db/unavailable';
import { CohortDeletion, CohortDeletionReason } from '../domain/cohort-retention';
import { CohortDeletionDeps, Deleter, deleteCohort, removeCohortImages } from './cohort-deletion';
import { cohortDeletions } from './order-lifecycle';

// Session-level (a pass spans many transactions); its own key, like the lease reaper's.
const SWEEPER_LOCK = 7_764_600_002;
const BATCH = 100;
const SYSTEM: Deleter = { actor: 'system' };

async function expiredOrders(ds: DataSource, endedBefore: Date): Promise<string[]> {
  const rows = (await ds.query(
    `SELECT o.id FROM orders o
      WHERE o.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND o.finished_at < $1
        AND NOT EXISTS (SELECT 1 FROM cohort_deletions d WHERE d.order_id = o.id)
      ORDER BY o.finished_at LIMIT ${BATCH}`,
    [endedBefore],
  )) as { id: string }[];
  return rows.map((r) => r.id);
}

/** Removals cut short: pending for over a minute (a younger one is likely still running in its request). */
async function pendingRemovals(ds: DataSource): Promise<CohortDeletion[]> {
  const rows = (await ds.query(
    `SELECT order_id FROM cohort_deletions WHERE images_removed_at IS NULL AND deleted_at < now() - interval '1 minute' ORDER BY deleted_at LIMIT ${BATCH}`,
  )) as { order_id: string }[];
  return [...(await cohortDeletions(ds, rows.map((r) => r.order_id))).values()];
}

/**
 * One pass: the cohorts of orders that ended more than `retentionSeconds` before `now` (none when
 * it is 0: kept until deleted), then the removals left pending. Returns what it deleted or
 * finished; empty if another process holds the sweeper's lock.
 */
export async function sweepCohorts(deps: CohortDeletionDeps, retentionSeconds: number, now = new Date()): Promise<CohortDeletion[]> {
  const runner = deps.ds.createQueryRunner();
  await runner.connect();
  try {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [SWEEPER_LOCK])) as { locked: boolean }[];
    if (!locked) return [];
    try {
      const done: CohortDeletion[] = [];
      if (retentionSeconds > 0) {
        const endedBefore = new Date(now.getTime() - retentionSeconds * 1000);
        let batch: string[];
        do {
          batch = await expiredOrders(deps.ds, endedBefore);
          for (const id of batch) {
            const d = await deleteCohort(deps, id, CohortDeletionReason.EXPIRED, SYSTEM, endedBefore);
            if (d) done.push(d);
          }
        } while (batch.length === BATCH);
      }
      for (const d of await pendingRemovals(deps.ds)) done.push(await removeCohortImages(deps, d, SYSTEM));
      return done;
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [SWEEPER_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

/** tick(): one pass now (also what the timer runs). */
export type CohortSweeper = Periodic;

/** Sweeps every `intervalSeconds`; a database outage is logged once and outlived. */
export function startCohortSweeper(deps: CohortDeletionDeps, opts: { intervalSeconds: number; retentionSeconds: number; log: (line: string) => void }): CohortSweeper {
  let failing = false;
  const once = async () => {
    try {
      for (const d of await sweepCohorts(deps, opts.retentionSeconds)) {
        opts.log(`cohort of order ${d.orderId} deleted (${d.reason.toLowerCase()}): ${d.imagesRemoved ?? 0} images removed, ${d.imagesKept ?? 0} kept for other orders`);
      }
      failing = false;
    } catch (e) {
      if (!failing || !isDatabaseUnavailable(e)) opts.log(`cohort sweeper: pass failed (${(e as Error).message}); retrying`);
      failing = true;
    }
  };
  return startPeriodic(opts.intervalSeconds, once);
}
