// A worker slot: claim a shard, run it, settle it (complete it, hand it back, retry it later or
// fail its order), and again. Nothing here throws: a database outage is waited out, and a shard
// this slot cannot settle is left to its lease, which lapses once the heartbeat stops listing it.
import { setTimeout as sleep } from 'node:timers/promises';
import { BundleRef, ClaimedShard, claimShard, completeShard, requeueShard } from '../db/shard-queue';
import { isDatabaseUnavailable } from '../db/unavailable';
import { InputError } from '../domain/input-error';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import type { OrderEventHub } from '../services/order-event-hub';
import * as lifecycle from '../services/order-lifecycle';
import { ShardDeps, runShard } from './run-shard';
import { watchOrderEnd } from './watch-order-end';

export interface SlotContext {
  deps: ShardDeps;
  metrics?: WorkerMetrics;
  hub: OrderEventHub;
  /** The bundles this worker holds: it claims only shards placed against one of them. */
  bundles: BundleRef[];
  /** Failed runs of a shard before its order fails. */
  retryLimit: number;
  pollMs: number;
  /** Shard jobs running now: the heartbeat lists them, which keeps their leases. */
  running: Set<string>;
  /** Aborts when the worker drains: no new claims; running shards stop and are handed back. */
  drain: AbortSignal;
}

type Settlement = { kind: 'complete' } | { kind: 'requeue'; delaySeconds: number; failure: string | null } | { kind: 'fail-order'; reason: string };

const MAX_RETRY_DELAY_SECONDS = 60;

/** Waits `ms`, or less if the worker starts draining. */
function pause(ms: number, drain: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal: drain }).catch(() => undefined);
}

/** What a shard's error means: bad order (fail it), outage (again soon, uncounted), else backoff. */
function settlementOf(e: unknown, job: ClaimedShard, retryLimit: number): Settlement {
  if (e instanceof InputError) return { kind: 'fail-order', reason: `invalid ${e.field}: ${e.message}` };
  if (isDatabaseUnavailable(e)) return { kind: 'requeue', delaySeconds: 1, failure: null };
  const message = (e as Error).message;
  if (job.failures >= retryLimit) return { kind: 'fail-order', reason: `shard ${job.shard} (images ${job.start}-${job.end - 1}) failed ${job.failures + 1} times, last: ${message}` };
  return { kind: 'requeue', delaySeconds: Math.min(2 ** job.failures, MAX_RETRY_DELAY_SECONDS), failure: message };
}

/** Records the settlement, waiting out a database outage (unless draining: the lease covers it). */
async function settle(ctx: SlotContext, job: ClaimedShard, s: Settlement): Promise<void> {
  const { ds, workerId, log } = ctx.deps;
  for (let attempt = 0; ; attempt++) {
    try {
      if (s.kind === 'fail-order') await lifecycle.fail(ds, job.orderId, s.reason);
      const held = s.kind === 'requeue' ? await requeueShard(ds, job.id, workerId, s.delaySeconds, s.failure) : await completeShard(ds, job.id, workerId);
      if (!held) log(`order ${job.orderId} shard ${job.shard}: its lease lapsed meanwhile; the shard's new holder settles it`);
      return;
    } catch (e) {
      if (!isDatabaseUnavailable(e) || ctx.drain.aborted) {
        return log(`order ${job.orderId} shard ${job.shard}: could not record its outcome (${(e as Error).message}); its lease will lapse and it runs again`);
      }
      await pause(Math.min(200 * 2 ** attempt, 5000), ctx.drain);
    }
  }
}

async function runJob(ctx: SlotContext, job: ClaimedShard): Promise<void> {
  const { log } = ctx.deps;
  ctx.running.add(job.id);
  const watch = watchOrderEnd(ctx.hub, job.orderId);
  let s: Settlement;
  try {
    const finished = await runShard(ctx.deps, job, AbortSignal.any([watch.signal, ctx.drain]));
    // Stopped by the order's end: nothing is left to do. Stopped by the drain: another worker goes on.
    s = finished || watch.signal.aborted ? { kind: 'complete' } : { kind: 'requeue', delaySeconds: 0, failure: null };
    if (finished) log(`order ${job.orderId} shard ${job.shard}: images ${job.start}-${job.end - 1} done`);
    if (s.kind === 'requeue') log(`order ${job.orderId} shard ${job.shard}: handed back to the queue (worker draining)`);
  } catch (e) {
    s = settlementOf(e, job, ctx.retryLimit);
    const then = s.kind !== 'requeue' ? 'giving up' : s.failure === null ? 'database unavailable, will retry' : `will retry in ${s.delaySeconds} s`;
    log(`order ${job.orderId} shard ${job.shard}: ${(e as Error).message} (${then})`);
  } finally {
    await watch.stop();
  }
  ctx.metrics?.shardRuns.inc({ outcome: s.kind === 'complete' ? 'completed' : s.kind === 'fail-order' ? 'failed' : s.failure === null ? 'handed_back' : 'retried' });
  await settle(ctx, job, s);
  ctx.running.delete(job.id);
}

/** Claims and runs shards until the worker drains. */
export async function runSlot(ctx: SlotContext): Promise<void> {
  const { ds, workerId, log } = ctx.deps;
  let outage = false;
  while (!ctx.drain.aborted) {
    let job: ClaimedShard | null;
    try {
      job = await claimShard(ds, workerId, ctx.bundles);
      if (outage) log(`worker ${workerId}: database reachable again`);
      outage = false;
    } catch (e) {
      if (!outage) log(`worker ${workerId}: cannot claim shards (${(e as Error).message}); retrying`);
      outage = true;
      await pause(1000, ctx.drain);
      continue;
    }
    if (job) await runJob(ctx, job);
    else await pause(ctx.pollMs, ctx.drain);
  }
}
