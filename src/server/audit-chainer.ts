// Each API process chains pending audit entries (audit/pending.ts) shortly after its own reads
// wrote them, and polls for those of other processes (one that died before chaining its own).
// Replicas take turns through the chain's advisory lock; a second one finds nothing left.
import type { DataSource } from 'typeorm';
import { CHAIN_BATCH, chainPending, pendingAudit } from '../audit/pending';

export interface ChainerOptions {
  /** How long a write waits for others to join its chaining transaction. */
  delayMs: number;
  /** How often pending entries are looked for without a write of this process. */
  pollMs: number;
}

export function startChaining(ds: DataSource, log: (line: string) => void, options: ChainerOptions = { delayMs: 50, pollMs: 1000 }): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const drain = async (): Promise<void> => {
    do {
      again = false;
      try {
        while ((await chainPending(ds)) === CHAIN_BATCH);
      } catch (e) {
        log(`audit chainer: pending entries not chained yet (${(e as Error).message})`);
      }
    } while (again && !stopped);
  };
  const run = (): void => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = drain().finally(() => (running = null));
  };
  const soon = (): void => {
    if (!stopped && !timer) timer = setTimeout(run, options.delayMs);
  };

  const writer = pendingAudit(ds);
  writer.onWritten = soon;
  const poll = setInterval(soon, options.pollMs);
  poll.unref();
  soon();
  return {
    // After the last request: whatever this process wrote is chained before the database closes.
    stop: async () => {
      stopped = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      writer.onWritten = () => undefined;
      await running;
      await drain();
    },
  };
}
