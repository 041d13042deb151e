import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { OrderEntity, OrderImageEntity } from '../entities/order';
import { Certificate } from '../schema/certificate';
import { pageInfoOf } from '../schema/common';
import { OrderEventType, OrderStatus } from '../domain/order';
import { Order, OrderConnection, OrderFilterInput, OrderImageConnection, OrderInput, Quote } from '../schema/order';
import { OrderProgressEvent } from '../schema/progress';
import { imagePage, scopedOrders } from '../services/order-access';
import { cancelOrder, placeOrder, quoteOrder } from '../services/orders';
import type { Grant, PartnerPrincipal, Principal } from '../services/principal';
import { Caller, CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

/** Who may read orders: admins everything, partners their own with orders:read on an approved account. */
export const ORDER_READERS: readonly Grant[] = ['ADMIN', 'orders:read'];

function imageNode(i: OrderImageEntity) {
  return { index: i.idx, birads: i.birads, sha256: i.sha256, seed: i.seed, attempt: i.attempt, nnDistance: i.nnDistance, rejections: i.rejections };
}

@Resolver(() => Order)
export class OrderResolver {
  @Authorized<Grant>('orders:read')
  @Query(() => Quote, { description: 'Validate an order and show its apportioned counts, without placing it.' })
  async quote(@Arg('input', () => OrderInput) input: OrderInput, @CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<Quote> {
    const q = await quoteOrder(ctx, who, input);
    return { ...q, modelId: q.model.modelId };
  }

  @Authorized<Grant>('orders:write')
  @Mutation(() => Order, { description: 'Place an order. Retrying with the same idempotencyKey returns the same order.' })
  placeOrder(
    @Arg('input', () => OrderInput) input: OrderInput,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderEntity> {
    return placeOrder(ctx, who, input, idempotencyKey ?? null);
  }

  @Authorized<Grant>('ADMIN', 'orders:write')
  @Mutation(() => Order)
  async cancelOrder(@Arg('id', () => ID) id: string, @Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<OrderEntity> {
    return cancelOrder(ctx, await scopedOrders(ctx.ds, who).find(id));
  }

  @Authorized<Grant>(ORDER_READERS)
  @Query(() => Order)
  order(@Arg('id', () => ID) id: string, @Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<OrderEntity> {
    return scopedOrders(ctx.ds, who).get(id);
  }

  @Authorized<Grant>(ORDER_READERS)
  @Query(() => OrderConnection, { description: 'Your orders, newest first.' })
  async orders(
    @Arg('filter', () => OrderFilterInput, { nullable: true }) filter: OrderFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Caller() who: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderConnection> {
    const page = await scopedOrders(ctx.ds, who).list(filter ?? {}, first, after);
    return {
      edges: page.items.map((o) => ({ cursor: page.cursorOf(o), node: o })),
      pageInfo: pageInfoOf(page.items, page.hasNextPage, page.cursorOf, after),
    };
  }

  @Authorized<Grant>(ORDER_READERS)
  @FieldResolver(() => OrderImageConnection, { description: 'Metadata of the delivered images, by index.' })
  async images(
    @Root() o: OrderEntity,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderImageConnection> {
    const page = await ctx.orders.images.load({ orderId: o.id, ...imagePage(first, after) });
    return {
      edges: page.items.map((i) => ({ cursor: page.cursorOf(i), node: imageNode(i) })),
      pageInfo: pageInfoOf(page.items, page.hasNextPage, page.cursorOf, after),
    };
  }

  @Authorized<Grant>(ORDER_READERS)
  @FieldResolver(() => Certificate, { nullable: true, description: 'The signed certificate, once the order is finished.' })
  certificate(@Root() o: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<Certificate | null> {
    return ctx.orders.certificate.load(o);
  }

  @FieldResolver(() => OrderProgressEvent)
  async progress(@Root() o: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<OrderProgressEvent> {
    const p = await ctx.orders.progress.load(o.id);
    return { ...(p as NonNullable<typeof p>), status: o.status as OrderStatus, type: OrderEventType.SNAPSHOT, at: new Date().toISOString() };
  }
}
