import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrderEvent, OrderEventType, OrderStatus, estimateSecondsLeft } from '../domain/order';
import { ClassCount } from './order';

registerEnumType(OrderEventType, {
  name: 'OrderEventType',
  description: 'What happened to an order; every event also carries the whole state after it.',
  valuesConfig: {
    SNAPSHOT: { description: 'The state as stored now: the first message of a subscription, and again after the server lost and regained its event feed.' },
    QUEUED: { description: 'The order was placed.' },
    STARTED: { description: 'A worker started the order.' },
    IMAGE_DELIVERED: { description: 'An image passed the privacy check and was stored (index, birads and nnDistance say which).' },
    IMAGE_REJECTED: { description: 'An attempt was too close to a training image and is being resampled (index, birads and nnDistance say which).' },
    STALLED: { description: 'A worker cannot go on for now and keeps retrying (stalledBecause says why, e.g. "storage unavailable, retrying: …"); the next IMAGE_DELIVERED means it recovered.' },
    COMPLETED: { description: 'Every image is delivered and the certificate passed. Final.' },
    FAILED: { description: 'The order failed (failureReason says why). Final.' },
    CANCELLED: { description: 'The order was cancelled. Final.' },
  },
});

@ObjectType({ description: 'The state of an order after an event; the first message is a SNAPSHOT.' })
export class OrderProgressEvent {
  @Field(() => OrderEventType, { description: 'What happened.' }) type: OrderEventType;
  @Field(() => ID, { description: 'The order.' }) orderId: string;
  @Field(() => OrderStatus, { description: 'The order status after the event.' }) status: OrderStatus;
  @Field(() => Int, { description: 'Total images ordered.' }) size: number;
  @Field(() => Int, { description: 'Images delivered so far, 0 to size.' }) delivered: number;
  @Field(() => Int, { description: 'Attempts rejected by the privacy check so far (each was resampled).' }) rejected: number;
  @Field(() => [ClassCount], { description: 'Images delivered so far per ordered class, ascending BI-RADS (0 for a class with none yet).' }) deliveredByClass: ClassCount[];
  @Field(() => ID, { nullable: true, description: 'Set once the certificate is issued.' }) certificateId: string | null;
  @Field(() => String, { nullable: true, description: 'Why the order failed; null unless FAILED.' }) failureReason: string | null;
  @Field(() => Int, { nullable: true, description: 'IMAGE_DELIVERED / IMAGE_REJECTED: the image index (0 to size - 1); null for other events.' }) index?: number | null;
  @Field(() => Int, { nullable: true, description: 'IMAGE_DELIVERED / IMAGE_REJECTED: the image\'s BI-RADS category; null for other events.' }) birads?: number | null;
  @Field(() => Float, { nullable: true, description: "IMAGE_DELIVERED / IMAGE_REJECTED: the attempt's distance to the nearest training image (0 to 2); null for other events." }) nnDistance?: number | null;
  @Field(() => String, { nullable: true, description: 'STALLED: why the order is not progressing; null for other events.' }) stalledBecause?: string | null;
  @Field(() => Int, {
    nullable: true,
    description:
      'Estimated seconds until the order completes, at the rate it has delivered images since it started (rounded up). Null until it runs and has delivered an image, and once it failed or was cancelled; 0 once completed.',
  })
  estimatedSecondsLeft: number | null;
  @Field({ description: 'When the event happened (ISO 8601, UTC).' }) at: string;
}

/** The GraphQL event of a domain event: the event plus its estimate of the time left. */
export function progressEventOf(e: OrderEvent): OrderProgressEvent {
  return { ...e, estimatedSecondsLeft: estimateSecondsLeft(e, e.at) };
}
