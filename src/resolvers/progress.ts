import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { OrderProgressEvent } from '../schema/progress';
import type { GraphQLContext } from '../server/context';
import { scopedOrders } from '../services/order-access';
import type { OrderEvent } from '../domain/order';
import { orderProgress } from '../services/order-events';
import { readerOf } from './order';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * The current snapshot first, then every event, ending after the final one. Listening starts
 * before the snapshot is read, so nothing between the two is lost (an event may repeat state the
 * snapshot already showed; every event carries the full counts, so that is harmless).
 */
async function* progressStream(ctx: GraphQLContext, orderId: string): AsyncGenerator<OrderEvent> {
  const order = await scopedOrders(ctx.ds, readerOf(ctx)).get(orderId);
  const events = ctx.hub.subscribe(order.id);
  try {
    const snapshot = await orderProgress(ctx.ds, order.id);
    if (!snapshot) return;
    yield { ...snapshot, type: 'SNAPSHOT', at: new Date().toISOString() };
    if (FINAL.has(snapshot.status)) return;
    for await (const e of events) {
      yield e;
      if (FINAL.has(e.status)) return;
    }
  } finally {
    await events.return?.();
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
