// Where a bench worker's time goes, measured inside its process by wrapping the shared code paths
// it runs (no change to src/): the engine's calls, the image store's writes, database transactions
// (an image's record, a shard's start and finish) and single queries outside them (claims, lease
// and shard bookkeeping), and the order events its LISTEN connection hears (every worker hears
// every event: the NOTIFY fan-out).
import { DataSource, EntityManager } from 'typeorm';
import type { SamplingEngine } from '../../src/domain/sampling-engine';
import { OrderEventHub } from '../../src/services/order-event-hub';
import { FileContentStore } from '../../src/storage/content-store';

export interface Spent {
  calls: number;
  ms: number;
}

export interface WorkerTiming {
  engine: Spent;
  store: Spent;
  transactions: Spent;
  queries: Spent;
  eventsHeard: number;
}

/** Starts the line a bench worker prints its timing on, as JSON, when it stops. */
export const TIMING_PREFIX = 'bench-worker-timing ';

const blank = (): Spent => ({ calls: 0, ms: 0 });

/**
 * Replaces `obj[name]` with a version that adds each call's wall time to `into` while `counting()`
 * and `counts(args)` (default: every call).
 */
function timed<T extends object, K extends keyof T>(obj: T, name: K, into: Spent, counting: () => boolean, counts: (a: unknown[]) => boolean = () => true): void {
  const original = obj[name] as unknown as (...a: unknown[]) => Promise<unknown>;
  const wrapped = async function (this: unknown, ...a: unknown[]): Promise<unknown> {
    const on = counting() && counts(a);
    const t0 = performance.now();
    try {
      return await original.apply(this, a);
    } finally {
      if (on) {
        into.calls++;
        into.ms += performance.now() - t0;
      }
    }
  };
  obj[name] = wrapped as unknown as T[K];
}

/**
 * Call before the worker starts. Counting starts with the first engine call (the order's first
 * batch: start-up and idle polling before it are left out) and stops when the result is read.
 * Heartbeats run beside the shard work and are counted too (one query every few seconds).
 */
export function timeWorker(engine: SamplingEngine): () => WorkerTiming {
  const t: WorkerTiming = { engine: blank(), store: blank(), transactions: blank(), queries: blank(), eventsHeard: 0 };
  let state: 'before' | 'counting' | 'read' = 'before';
  const counting = () => state === 'counting';
  const generate = engine.generate.bind(engine);
  engine.generate = (...a) => {
    if (state === 'before') state = 'counting';
    return generate(...a);
  };
  timed(engine, 'generate', t.engine, counting);
  timed(FileContentStore.prototype, 'put', t.store, counting);
  timed(EntityManager.prototype, 'transaction', t.transactions, counting);
  // A transaction's queries reach DataSource.query too, with its query runner: not counted twice.
  timed(DataSource.prototype, 'query', t.queries, counting, (a) => a[2] === undefined);
  const publish = OrderEventHub.prototype.publish;
  OrderEventHub.prototype.publish = function (this: OrderEventHub, ...a: Parameters<typeof publish>) {
    if (counting()) t.eventsHeard++;
    return publish.apply(this, a);
  };
  return () => {
    state = 'read';
    return t;
  };
}
