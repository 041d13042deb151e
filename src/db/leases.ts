// Worker liveness: each worker upserts its row every few seconds (its status, the bundles it
// holds, the shards it is running), and a reaper that runs in every API and worker process (one at
// a time, by advisory lock) hands back to the queue every ACTIVE shard whose worker went silent or
// no longer lists it. A SIGKILLed worker's shard is running again within one lease, and a healthy
// shard is never taken away however long it runs.
import type { DataSource, EntityManager } from 'typeorm';
import { Periodic, startPeriodic } from './periodic';
import type { BundleRef } from './shard-queue';
import { isDatabaseUnavailable } from './unavailable';

export type WorkerStatus = 'STARTING' | 'READY' | 'DRAINING' | 'FAILED';

export interface WorkerBeat {
  id: string;
  status: WorkerStatus;
  /** Why the worker is not ready (e.g. its bundle failed to load). */
  detail: string | null;
  models: BundleRef[];
  /** The shard jobs this worker is running now. */
  running: string[];
}

// One key for the whole database: reaping is cheap, and one reaper at a time avoids lock queues.
const REAPER_LOCK = 7_764_300_001;

export async function heartbeat(ds: DataSource, w: WorkerBeat): Promise<void> {
  await ds.query(
    `INSERT INTO workers (id, status, detail, models, running, heartbeat_at) VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail, models = EXCLUDED.models,
                                    running = EXCLUDED.running, heartbeat_at = now()`,
    [w.id, w.status, w.detail, JSON.stringify(w.models), w.running],
  );
}

/** A worker that stops cleanly leaves no row behind (its shards were finished or handed back). */
export async function forgetWorker(ds: DataSource, id: string): Promise<void> {
  await ds.query('DELETE FROM workers WHERE id = $1', [id]);
}

export interface ReapedShard {
  id: string;
  orderId: string;
  shard: number;
  /** First image index (inclusive) and last (exclusive). */
  start: number;
  end: number;
  workerId: string;
  /** Times its lease has lapsed, this one included. */
  lapses: number;
}

/** Told, inside the reaping transaction, of a shard whose lease lapsed `lapseLimit` times. */
export type OnShardGaveUp = (m: EntityManager, shard: ReapedShard) => Promise<void>;

/**
 * Requeues the ACTIVE shards whose lease lapsed: claimed more than `leaseSeconds` ago, and their
 * worker silent for `leaseSeconds` or not listing them. A shard whose lease has now lapsed
 * `lapseLimit` times goes to `onGaveUp` (which fails its order) in the same transaction. Returns
 * nothing if another process holds the reaper's lock. Rows of workers silent for a day are dropped.
 */
export function reapLostShards(ds: DataSource, leaseSeconds: number, lapseLimit = Infinity, onGaveUp?: OnShardGaveUp): Promise<ReapedShard[]> {
  return ds.transaction(async (m) => {
    const [{ locked }] = (await m.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [REAPER_LOCK])) as { locked: boolean }[];
    if (!locked) return [];
    const rows = (await m.query(
      `WITH lost AS (
         SELECT j.id, j.worker_id FROM shard_jobs j LEFT JOIN workers w ON w.id = j.worker_id
          WHERE j.state = 'ACTIVE' AND j.claimed_at < now() - $1 * interval '1 second'
            AND (w.id IS NULL OR w.heartbeat_at < now() - $1 * interval '1 second' OR NOT (j.id = ANY (w.running)))
          FOR UPDATE OF j SKIP LOCKED)
       UPDATE shard_jobs j SET state = 'QUEUED', worker_id = NULL, claimed_at = NULL, run_after = now(), lapses = j.lapses + 1,
              last_error = 'lease lapsed: worker ' || lost.worker_id || ' stopped heartbeating or dropped the shard'
         FROM lost WHERE j.id = lost.id
       RETURNING j.id, j.order_id, j.shard, j.first_index, j.end_index, j.lapses, lost.worker_id`,
      [leaseSeconds],
    )) as [{ id: string; order_id: string; shard: number; first_index: number; end_index: number; lapses: number; worker_id: string }[], number];
    await m.query(`DELETE FROM workers WHERE heartbeat_at < now() - interval '1 day'`);
    const reaped = rows[0].map((r) => ({ id: r.id, orderId: r.order_id, shard: r.shard, start: r.first_index, end: r.end_index, workerId: r.worker_id, lapses: r.lapses }));
    for (const r of reaped) if (r.lapses >= lapseLimit) await onGaveUp?.(m, r);
    return reaped;
  });
}

export interface LeaseKeeperOptions {
  intervalSeconds: number;
  leaseSeconds: number;
  log: (line: string) => void;
  /** Worker processes beat before each reaping; API processes only reap. */
  beat?: () => Promise<void>;
  /** Lapsed leases of one shard before `onGaveUp` (default: never). */
  lapseLimit?: number;
  onGaveUp?: OnShardGaveUp;
}

/** tick(): one beat and reaping now (also what the timer runs). */
export type LeaseKeeper = Periodic;

/** Beats and reaps every `intervalSeconds`; a database outage is logged once and outlived. */
export function startLeaseKeeper(ds: DataSource, opts: LeaseKeeperOptions): LeaseKeeper {
  let failing = false;
  const once = async () => {
    try {
      await opts.beat?.();
      for (const r of await reapLostShards(ds, opts.leaseSeconds, opts.lapseLimit, opts.onGaveUp)) {
        const gaveUp = r.lapses >= (opts.lapseLimit ?? Infinity);
        opts.log(`lease lapsed: order ${r.orderId} shard ${r.shard} taken from worker ${r.workerId} (${r.lapses} times)${gaveUp ? ': its order fails' : ' and queued again'}`);
      }
      if (failing) opts.log('leases: database reachable again');
      failing = false;
    } catch (e) {
      if (!failing || !isDatabaseUnavailable(e)) opts.log(`leases: heartbeat or reaping failed (${(e as Error).message}); retrying`);
      failing = true;
    }
  };
  return startPeriodic(opts.intervalSeconds, once);
}
