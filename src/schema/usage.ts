import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Quotas } from './partner';

@ObjectType({
  description:
    "Where a partner stands against its quotas over the quotas' rolling 30-day period, so that an order's QUOTA_EXCEEDED comes as no surprise.",
})
export class Usage {
  @Field(() => ID, { description: 'The partner.' }) partnerId: string;
  @Field({ description: 'Start of the period: 30 days before periodEnd (ISO 8601, UTC).' }) periodStart: Date;
  @Field({ description: 'End of the period: now, as the database saw it (ISO 8601, UTC).' }) periodEnd: Date;
  @Field(() => Int, { description: 'Orders placed in the period, whatever became of them.' }) ordersPlaced: number;
  @Field(() => Int, { description: 'Images those orders asked for (the sum of their sizes).' }) imagesOrdered: number;
  @Field(() => Int, { description: 'Images delivered in the period (recorded after passing the privacy check), whenever their order was placed.' }) imagesDelivered: number;
  @Field(() => Int, {
    description: 'Images the imagesPer30Days quota counts: those ordered in the period, except that a failed or cancelled order counts only what it delivered.',
  })
  imagesCounted: number;
  @Field(() => Int, { description: 'Images a new order may still ask for now: imagesPer30Days - imagesCounted (at least 0), and at most imagesPerOrder.' }) imagesAvailable: number;
  @Field(() => Int, { description: 'Orders queued or running now.' }) activeOrders: number;
  @Field(() => Int, { description: 'Orders that may still be placed before concurrentOrders is reached: concurrentOrders - activeOrders (at least 0).' }) ordersAvailable: number;
  @Field(() => Quotas, { description: 'The quotas these figures are measured against.' }) quotas: Quotas;
}
