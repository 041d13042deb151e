// What operators need when work stalls (issue 10): the workers as their heartbeats tell them, the
// orders no live worker can make, and retrying an order that failed for want of infrastructure.
import { Arg, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { OrderEntity } from '../entities/order';
import { Order } from '../schema/order';
import { listWorkers, orderStall, ordersWaitingForWorkers } from '../services/models';
import { OrderView, scopedOrders } from '../services/order-access';
import { retryOrder } from '../services/orders';
import type { Grant, Principal } from '../services/principal';
import { Caller } from './authorization';
import type { GraphQLContext } from './context';

@ObjectType({ description: 'A model bundle a worker holds.' })
class WorkerBundle {
  @Field({ description: 'The model id, as orders name it.' }) modelId: string;
  @Field({ description: "sha256 (hex) of the bundle's manifest: which build of the model." }) bundleHash: string;
}

@ObjectType({ description: 'A worker process, as its heartbeat row tells it (rows of workers silent for a day are dropped).' })
class WorkerState {
  @Field(() => ID, { description: 'host:pid of the worker process.' }) id: string;
  @Field({ description: 'STARTING, READY, DRAINING (stopping: it takes no new shards) or FAILED (it could not load its bundle; see detail).' }) status: string;
  @Field(() => String, { nullable: true, description: 'Why it is not working normally, e.g. "cannot load its model bundle: …" or "storage unavailable, retrying: …"; null when all is well.' })
  detail: string | null;
  @Field(() => [WorkerBundle], { description: 'The bundles it holds: it makes only shards of orders placed against one of them.' }) models: WorkerBundle[];
  @Field(() => Int, { description: 'Shards it is running now.' }) runningShards: number;
  @Field({ description: 'When it first heartbeat (ISO 8601, UTC).' }) startedAt: Date;
  @Field({ description: 'Its last heartbeat (ISO 8601, UTC).' }) heartbeatAt: Date;
  @Field({ description: 'Whether it heartbeat within the lease (SYNTHBUS_LEASE_SECONDS): a silent worker has lost its shards to the queue.' }) alive: boolean;
}

@ObjectType({ description: 'An active order with shards that no live, ready worker can make.' })
class WaitingOrder {
  @Field(() => ID, { description: 'The order.' }) orderId: string;
  @Field({ description: 'The model it was placed for.' }) modelId: string;
  @Field(() => String, { nullable: true, description: 'The bundle it was placed against (null for orders placed before bundles were recorded: any bundle of the model).' })
  bundleHash: string | null;
  @Field({ description: 'QUEUED or RUNNING.' }) status: string;
  @Field({ description: 'When it was placed (ISO 8601, UTC).' }) createdAt: Date;
  @Field({ description: 'What it waits for, e.g. "waiting for a worker with model X (bundle abc…): no live worker has it".' }) reason: string;
}

@Resolver()
export class OperationsResolver {
  @Authorized<Grant>('ADMIN')
  @Query(() => [WorkerState], { description: 'Every worker seen in the last day, live ones first, with what it holds and why it is not ready. Admins only.' })
  workers(@Ctx() ctx: GraphQLContext): Promise<WorkerState[]> {
    return listWorkers(ctx.ds, ctx.config.leaseSeconds);
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => [WaitingOrder], { description: 'Active orders, placed longer ago than olderThanSeconds, with shards that no live worker can make (no worker holds their model and bundle). Admins only.' })
  ordersWaitingForWorkers(
    @Arg('olderThanSeconds', () => Int, { defaultValue: 300, description: 'Only orders placed at least this many seconds ago (default 300).' }) olderThanSeconds: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WaitingOrder[]> {
    return ordersWaitingForWorkers(ctx.ds, ctx.config.leaseSeconds, olderThanSeconds);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Order, {
    description: 'Queue again an order that FAILED for want of infrastructure (storage, workers), once that is fixed: only its missing images are made. An order whose cohort failed its privacy check cannot be retried (CONFLICT). Admins only.',
  })
  async retryOrder(@Arg('id', () => ID, { description: 'The failed order.' }) id: string, @Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<OrderEntity> {
    return retryOrder(ctx, await scopedOrders(ctx.ds, who).find(id));
  }
}

@Resolver(() => Order)
export class OrderStallResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'Why this queued or running order is not progressing, if it is not: "waiting for a worker with model X" (no worker that holds its model is running) or "storage unavailable, retrying". Null while it progresses and once it has ended.',
  })
  stalledBecause(@Root() order: OrderView, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    return orderStall(ctx.ds, ctx.config.leaseSeconds, order.id);
  }
}
