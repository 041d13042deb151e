// Aborts a running shard when its order ends elsewhere (cancelled by the partner, failed by another
// worker): the order's events arrive through the process's LISTEN hub, so the shard stops within
// one micro-batch instead of asking the database before each batch.
import { isActive } from '../domain/order';
import type { OrderEventHub } from '../services/order-event-hub';

export interface OrderEndWatch {
  signal: AbortSignal;
  stop(): Promise<void>;
}

export function watchOrderEnd(hub: OrderEventHub, orderId: string): OrderEndWatch {
  const controller = new AbortController();
  const events = hub.subscribe(orderId);
  const done = (async () => {
    for await (const e of events) {
      if (!isActive(e.status)) {
        controller.abort(new Error(`order ${orderId} is ${e.status.toLowerCase()}`));
        return;
      }
    }
  })();
  return {
    signal: controller.signal,
    stop: async () => {
      await events.return?.();
      await done;
    },
  };
}
