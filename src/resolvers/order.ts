import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { OrderEntity, OrderImageEntity } from '../entities/order';
import { Certificate } from '../schema/certificate';
import { pageInfoOf } from '../schema/common';
import { Order, OrderConnection, OrderFilterInput, OrderImageConnection, OrderInput, OrderStatus, Quote } from '../schema/order';
import { OrderEventType, OrderProgressEvent } from '../schema/progress';
import type { GraphQLContext } from '../server/context';
import { scopedOrders } from '../services/order-access';
import { orderProgress } from '../services/order-events';
import { cancelOrder, placeOrder, quoteOrder } from '../services/orders';
import { requireAuth, requirePartner } from '../services/principal';

function deps(ctx: GraphQLContext) {
  return { ds: ctx.ds, boss: ctx.boss, config: ctx.config };
}

function imageNode(i: OrderImageEntity) {
  return { index: i.idx, birads: i.birads, sha256: i.sha256, seed: i.seed, attempt: i.attempt, nnDistance: i.nnDistance, rejections: i.rejections };
}

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Quote, { description: 'Validate an order and show its apportioned counts, without placing it.' })
  async quote(@Arg('input', () => OrderInput) input: OrderInput, @Ctx() ctx: GraphQLContext): Promise<Quote> {
    const q = await quoteOrder(deps(ctx), requirePartner(ctx.principal, 'orders:read'), input);
    return { ...q, modelId: q.model.modelId };
  }

  @Mutation(() => Order, { description: 'Place an order. Retrying with the same idempotencyKey returns the same order.' })
  placeOrder(
    @Arg('input', () => OrderInput) input: OrderInput,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderEntity> {
    return placeOrder(deps(ctx), requirePartner(ctx.principal, 'orders:write'), input, idempotencyKey ?? null);
  }

  @Mutation(() => Order)
  async cancelOrder(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OrderEntity> {
    const who = requireAuth(ctx.principal);
    if (who.role === 'PARTNER') requirePartner(who, 'orders:write');
    return cancelOrder(deps(ctx), await scopedOrders(ctx.ds, who).find(id));
  }

  @Query(() => Order)
  order(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OrderEntity> {
    return scopedOrders(ctx.ds, readerOf(ctx)).get(id);
  }

  @Query(() => OrderConnection, { description: 'Your orders, newest first.' })
  async orders(
    @Arg('filter', () => OrderFilterInput, { nullable: true }) filter: OrderFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderConnection> {
    const page = await scopedOrders(ctx.ds, readerOf(ctx)).list(filter ?? {}, first, after);
    return {
      edges: page.items.map((o) => ({ cursor: page.cursorOf(o), node: o as unknown as Order })),
      pageInfo: pageInfoOf(page.items, page.hasNextPage, page.cursorOf, after),
    };
  }

  @FieldResolver(() => GraphQLSafeInt)
  seed(@Root() o: OrderEntity): number {
    return o.orderSeed;
  }

  @FieldResolver(() => OrderImageConnection, { description: 'Metadata of the delivered images, by index.' })
  async images(
    @Root() o: OrderEntity,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderImageConnection> {
    const page = await scopedOrders(ctx.ds, readerOf(ctx)).images(o.id, first, after);
    return {
      edges: page.items.map((i) => ({ cursor: page.cursorOf(i), node: imageNode(i) })),
      pageInfo: pageInfoOf(page.items, page.hasNextPage, page.cursorOf, after),
    };
  }

  @FieldResolver(() => Certificate, { nullable: true, description: 'The signed certificate, once the order is finished.' })
  certificate(@Root() o: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<Certificate | null> {
    return scopedOrders(ctx.ds, readerOf(ctx)).certificate(o.id);
  }

  @FieldResolver(() => OrderProgressEvent)
  async progress(@Root() o: OrderEntity, @Ctx() ctx: GraphQLContext): Promise<OrderProgressEvent> {
    const p = await orderProgress(ctx.ds, o.id);
    return { ...(p as NonNullable<typeof p>), status: o.status as OrderStatus, type: OrderEventType.SNAPSHOT, at: new Date().toISOString() };
  }
}

/** Admins read everything; partners need orders:read on an approved account. */
export function readerOf(ctx: GraphQLContext) {
  const who = requireAuth(ctx.principal);
  return who.role === 'PARTNER' ? requirePartner(who, 'orders:read') : who;
}
