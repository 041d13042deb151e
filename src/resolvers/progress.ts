import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { OrderProgressEvent } from '../schema/progress';
import type { GraphQLContext } from '../server/context';
import { scopedOrders } from '../services/order-access';
import { OrderEvent, orderProgress } from '../services/order-events';
import { readerOf } from './order';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * The current snapshot first, then every event, ending after the final one. Listening starts
 * before the snapshot is read, so nothing between the two is lost.
 */
async function* progressStream(ctx: GraphQLContext, orderId: string): AsyncGenerator<OrderEvent> {
  const order = await scopedOrders(ctx.ds, readerOf(ctx)).get(orderId);
  const queue: OrderEvent[] = [];
  let wake: (() => void) | null = null;
  const push = (e: OrderEvent) => {
    queue.push(e);
    wake?.();
  };
  const unsubscribe = ctx.hub.subscribe(order.id, push);
  const resync = async () => {
    const p = await orderProgress(ctx.ds, order.id);
    if (p) push({ ...p, type: 'SNAPSHOT', at: new Date().toISOString() });
  };
  const previous = ctx.hub.onResync;
  ctx.hub.onResync = (id) => {
    previous(id);
    if (id === order.id) void resync();
  };
  try {
    await resync();
    for (;;) {
      while (queue.length) {
        const e = queue.shift() as OrderEvent;
        yield e;
        if (FINAL.has(e.status)) return;
      }
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}

@Resolver()
export class ProgressResolver {
  @Subscription(() => OrderProgressEvent, {
    description: 'Progress of one of your orders: a SNAPSHOT first, then events until it finishes.',
    subscribe: ({ args, context }) => progressStream(context as GraphQLContext, (args as { orderId: string }).orderId),
  })
  orderProgress(@Arg('orderId', () => ID) _orderId: string, @Root() event: OrderEvent): OrderEvent {
    return event;
  }
}
