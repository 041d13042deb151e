import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { certificateJson } from '../delivery/downloads';
import type { CertificateEntity, OrderEntity, OrderImageEntity } from '../entities/order';
import { Certificate } from '../schema/certificate';
import { PAGE_ARGS } from '../schema/common';
import { OrderEventType, OrderStatus } from '../domain/order';
import { Order, OrderConnection, OrderFilterInput, OrderImage, OrderImageConnection, OrderInput, Quote } from '../schema/order';
import { OrderProgressEvent, progressEventOf } from '../schema/progress';
import { OrderView, imagePage, scopedOrders } from '../services/order-access';
import { cancelOrder, placeOrder, quoteOrder } from '../services/orders';
import type { Grant, PartnerPrincipal, Principal } from '../services/principal';
import { Caller, CallingPartner } from './authorization';
import { connectionOf } from './connection';
import type { GraphQLContext } from './context';

/** Who may read orders: admins everything, partners their own with orders:read on an approved account. */
export const ORDER_READERS: readonly Grant[] = ['ADMIN', 'orders:read'];

function imageNode(i: OrderImageEntity): OrderImage {
  return { index: i.idx, birads: i.birads, sha256: i.sha256, seed: i.seed, attempt: i.attempt, nnDistance: i.nnDistance, rejections: i.rejections };
}

/** The certificate with its file, built (with the published keys) only when a client selects it. */
function certificateNode(c: CertificateEntity, ctx: GraphQLContext): Certificate {
  return {
    ...c,
    get file() {
      return Promise.resolve(ctx.delivery.publicKeys()).then((keys) => certificateJson(c, keys));
    },
  };
}

@Resolver(() => Order)
export class OrderResolver {
  @Authorized<Grant>('orders:read')
  @Query(() => Quote, { description: 'Validate an order and show its apportioned counts, without placing it. Needs ORDERS_READ.' })
  async quote(@Arg('input', () => OrderInput, { description: 'The order to price, as placeOrder would take it.' }) input: OrderInput, @CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<Quote> {
    const q = await quoteOrder(ctx, who, input);
    return { ...q, modelId: q.model.modelId };
  }

  @Authorized<Grant>('orders:write')
  @Mutation(() => Order, { description: 'Place an order. Retrying with the same idempotencyKey returns the same order. Needs ORDERS_WRITE and the current agreement accepted.' })
  placeOrder(
    @Arg('input', () => OrderInput, { description: 'What to generate.' }) input: OrderInput,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: 'Any string you choose per intended order (e.g. a UUID): a retry with the same key and input returns the first order instead of placing another.',
    })
    idempotencyKey: string | null,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderEntity> {
    return placeOrder(ctx, who, input, idempotencyKey ?? null);
  }

  @Authorized<Grant>('ADMIN', 'orders:write')
  @Mutation(() => Order, { description: 'Cancel a queued or running order: its workers stop at once; images delivered so far still count against the 30-day quota. Needs ORDERS_WRITE.' })
  async cancelOrder(@Arg('id', () => ID, { description: 'The order to cancel (one of yours; admins: any).' }) id: string, @Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<OrderEntity> {
    return cancelOrder(ctx, await scopedOrders(ctx.ds, who).find(id));
  }

  @Authorized<Grant>(ORDER_READERS)
  @Query(() => Order, { description: 'One of your orders (admins: any). NOT_FOUND when it is not yours. Needs ORDERS_READ.' })
  order(@Arg('id', () => ID, { description: 'The order id (Order.id).' }) id: string, @Ctx() ctx: GraphQLContext): Promise<OrderView> {
    return ctx.orders.order(id);
  }

  @Authorized<Grant>(ORDER_READERS)
  @Query(() => OrderConnection, { description: 'Your orders, newest first (admins: everyone\'s). Needs ORDERS_READ.' })
  async orders(
    @Arg('filter', () => OrderFilterInput, { nullable: true, description: 'Only the orders that match; all when omitted.' }) filter: OrderFilterInput | null,
    @Arg('first', () => Int, { nullable: true, description: PAGE_ARGS.first }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: PAGE_ARGS.after }) after: string | null,
    @Caller() who: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderConnection> {
    const orders = scopedOrders(ctx.ds, who);
    const page = await orders.list(filter ?? {}, first, after);
    return connectionOf(page, after, (o) => o, () => orders.count(filter ?? {}));
  }

  @Authorized<Grant>(ORDER_READERS)
  @FieldResolver(() => OrderImageConnection, { description: 'Metadata of the delivered images, by ascending index.' })
  async images(
    @Root() o: OrderView,
    @Arg('first', () => Int, { nullable: true, description: PAGE_ARGS.first }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: PAGE_ARGS.after }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderImageConnection> {
    const page = await ctx.orders.images.load({ orderId: o.id, ...imagePage(first, after) });
    // Every delivered image is listed, so the count is the progress's (batched across orders).
    return connectionOf(page, after, imageNode, async () => (await ctx.orders.progress.load(o.id))?.delivered ?? 0);
  }

  @Authorized<Grant>(ORDER_READERS)
  @FieldResolver(() => Certificate, { nullable: true, description: 'The signed certificate, once the last image is recorded (passed or not); null before, and for an order cancelled or failed before that.' })
  async certificate(@Root() o: OrderView, @Ctx() ctx: GraphQLContext): Promise<Certificate | null> {
    const c = await ctx.orders.certificate.load(o);
    return c && certificateNode(c, ctx);
  }

  @FieldResolver(() => OrderProgressEvent, { description: 'The order\'s progress as stored now (a SNAPSHOT event), with an estimate of the time left.' })
  async progress(@Root() o: OrderView, @Ctx() ctx: GraphQLContext): Promise<OrderProgressEvent> {
    const p = await ctx.orders.progress.load(o.id);
    return progressEventOf({ ...(p as NonNullable<typeof p>), status: o.status as OrderStatus, type: OrderEventType.SNAPSHOT, at: new Date().toISOString() });
  }
}
