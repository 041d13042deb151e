// A cohort's lifecycle on the Order type: when the service deletes its images, whether they were
// deleted and why, and deleteCohort for the partner.
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { cohortExpiresAt } from '../domain/cohort-retention';
import type { OrderEntity } from '../entities/order';
import { CohortDeletionReason } from '../schema/cohort';
import { Order } from '../schema/order';
import { deleteCohort } from '../services/cohort-deletion';
import { OrderView, scopedOrders } from '../services/order-access';
import { auditActor, type Grant, type PartnerPrincipal } from '../services/principal';
import { CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

@Resolver(() => Order)
export class CohortResolver {
  @Authorized<Grant>('orders:write')
  @Mutation(() => Order, {
    description:
      "Delete a finished order's cohort from the service: its images and archives go (download links and the download route answer GONE, HTTP 410); the order, its image records and its certificate stay readable. Only for a COMPLETED, FAILED or CANCELLED order of yours (a queued or running one: cancelOrder first, else CONFLICT ORDER_ACTIVE). Deleting again changes nothing. Needs ORDERS_WRITE.",
  })
  async deleteCohort(
    @Arg('orderId', () => ID, { description: 'The order whose cohort to delete (one of yours; another partner\'s is NOT_FOUND).' }) orderId: string,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderEntity> {
    const order = await scopedOrders(ctx.ds, who).find(orderId);
    await deleteCohort({ ds: ctx.ds, store: ctx.store }, order.id, CohortDeletionReason.PARTNER_DELETED, auditActor(who));
    return order;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      "When the service deletes this cohort's images (ISO 8601, UTC): the server's retention (SYNTHBUS_COHORT_RETENTION_DAYS, 90 days by default) after the order ended. Null while it is queued or running, when the server keeps cohorts until deleted (retention 0), and once deleted. Download a copy before.",
  })
  async cohortExpiresAt(@Root() o: OrderView, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    const deleted = await ctx.orders.cohortDeletion.load(o.id);
    return cohortExpiresAt(o, ctx.config.cohortRetentionSeconds, deleted !== null);
  }

  @FieldResolver(() => Date, { nullable: true, description: "When the cohort's images were deleted (ISO 8601, UTC); null while they are kept." })
  async cohortDeletedAt(@Root() o: OrderView, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    return (await ctx.orders.cohortDeletion.load(o.id))?.deletedAt ?? null;
  }

  @FieldResolver(() => CohortDeletionReason, { nullable: true, description: "Why the cohort's images were deleted; null while they are kept." })
  async cohortDeletionReason(@Root() o: OrderView, @Ctx() ctx: GraphQLContext): Promise<CohortDeletionReason | null> {
    return (await ctx.orders.cohortDeletion.load(o.id))?.reason ?? null;
  }
}
