import { Arg, Authorized, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { OrderEvent } from '../domain/order';
import { OrderProgressEvent, progressEventOf } from '../schema/progress';
import { orderProgress } from '../services/order-events';
import type { GraphQLContext } from './context';
import { ORDER_READERS } from './order';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * The current snapshot first, then every event, ending after the final one. Listening starts
 * before the snapshot is read, so nothing between the two is lost (an event may repeat state the
 * snapshot already showed; every event carries the full counts, so that is harmless).
 */
async function* progressStream(ctx: GraphQLContext, orderId: string): AsyncGenerator<OrderEvent> {
  const order = await ctx.orders.order(orderId);
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
  @Authorized(ORDER_READERS)
  @Subscription(() => OrderProgressEvent, {
    description: 'Progress of one of your orders over WebSocket (graphql-ws): a SNAPSHOT first, then every event until it ends. Needs ORDERS_READ.',
    subscribe: ({ args, context }) => progressStream(context as GraphQLContext, (args as { orderId: string }).orderId),
  })
  orderProgress(@Arg('orderId', () => ID, { description: 'The order to follow (one of yours; admins: any).' }) _orderId: string, @Root() event: OrderEvent): OrderProgressEvent {
    return progressEventOf(event);
  }
}
