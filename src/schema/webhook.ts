import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { WebhookDeliveryState, WebhookEvent } from '../domain/webhook';
import { PAGE_ARGS, PageInfo } from './common';

registerEnumType(WebhookEvent, {
  name: 'WebhookEvent',
  description: 'An order event a webhook can subscribe to (the `event` field of each delivery; docs/webhooks.md).',
  valuesConfig: {
    QUEUED: { description: 'An order was placed (or an administrator queued a failed one again).' },
    STARTED: { description: 'A worker started the order.' },
    COMPLETED: { description: 'Every image delivered and the certificate passed: the cohort can be downloaded.' },
    FAILED: { description: 'The order stopped without a cohort (`order.failureReason` says why).' },
    CANCELLED: { description: 'The order was cancelled.' },
    STALLED: { description: 'The order is not progressing for now, e.g. storage unavailable (`order.stalledBecause` says why); it resumes by itself.' },
  },
});

registerEnumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not accepted yet: waiting for its next attempt (`nextAttemptAt`).' },
    DELIVERED: { description: 'The endpoint answered with a 2xx status. Final.' },
    FAILED: { description: 'Every allowed attempt failed; no more are made. Final.' },
  },
});

@ObjectType({ description: "An HTTPS endpoint that receives the partner's order events as signed JSON POSTs (docs/webhooks.md). Its signing secret is never shown again after registration or rotation." })
export class Webhook {
  @Field(() => ID, { description: 'The webhook id (a UUID).' }) id: string;
  @Field({ description: 'Where deliveries are POSTed (https; at most 2048 characters).' }) url: string;
  @Field(() => [WebhookEvent], { description: 'The events delivered to it.' }) events: WebhookEvent[];
  @Field({ description: 'When it was registered (ISO 8601, UTC).' }) createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'When its signing secret was last rotated (ISO 8601, UTC); null if never.' }) secretRotatedAt: Date | null;
}

@ObjectType({ description: 'A webhook with its signing secret, returned only by registerWebhook and rotateWebhookSecret.' })
export class WebhookWithSecret {
  @Field(() => Webhook, { description: 'The webhook as listed by `webhooks` from now on.' }) webhook: Webhook;
  @Field({ description: 'The signing secret ("whsec_" + 43 characters): the HMAC-SHA256 key of the SynthBUS-Signature header. Shown this once; stored encrypted.' }) secret: string;
}

@InputType({ description: 'A webhook to register.' })
export class RegisterWebhookInput {
  @Field({ description: 'The endpoint: an https URL on a public address, at most 2048 characters, without user name, password or #fragment. A server that allows it (development) also takes http to 127.0.0.1, localhost or [::1].' }) url: string;
  @Field(() => [WebhookEvent], { nullable: true, description: 'The events to deliver, at least one (repeats are ignored); every event when omitted.' }) events?: WebhookEvent[] | null;
}

@ObjectType({ description: 'One HTTP attempt of a delivery.' })
export class WebhookAttempt {
  @Field({ description: 'When the request was sent (ISO 8601, UTC).' }) at: Date;
  @Field(() => Int, { nullable: true, description: "The endpoint's HTTP status code; null when no response came (then `error` says why)." }) statusCode: number | null;
  @Field(() => String, { nullable: true, description: 'Why no response came (connection refused, timeout after the server\'s limit, refused address); null when one did.' }) error: string | null;
  @Field(() => Int, { description: 'Milliseconds from sending the request to its status line or error.' }) durationMs: number;
}

@ObjectType({ description: 'One event sent to one webhook, with every attempt so far.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'The delivery id, sent as the SynthBUS-Delivery header: the same on every retry, so receivers deduplicate on it.' }) id: string;
  @Field(() => WebhookEvent, { description: 'The event delivered.' }) event: WebhookEvent;
  @Field(() => ID, { description: 'The order the event is about.' }) orderId: string;
  @Field(() => WebhookDeliveryState, { description: 'Delivered, failed for good, or waiting for another attempt.' }) state: WebhookDeliveryState;
  @Field(() => Int, { description: 'Attempts made so far (0 until the first is recorded).' }) attemptCount: number;
  @Field(() => [WebhookAttempt], { description: 'Every attempt, oldest first.' }) attempts: WebhookAttempt[];
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (ISO 8601, UTC); null once DELIVERED or FAILED.' }) nextAttemptAt: Date | null;
  @Field({ description: 'When the event was queued for this webhook (ISO 8601, UTC).' }) createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'When it became DELIVERED or FAILED (ISO 8601, UTC); null while PENDING.' }) finishedAt: Date | null;
}

@ObjectType({ description: 'A delivery with its cursor.' })
export class WebhookDeliveryEdge {
  @Field({ description: 'Pass as `after` to continue after this delivery.' }) cursor: string;
  @Field(() => WebhookDelivery, { description: 'The delivery.' }) node: WebhookDelivery;
}

@ObjectType({ description: "A page of a webhook's deliveries, newest first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge], { description: 'The deliveries of this page.' }) edges: WebhookDeliveryEdge[];
  @Field(() => PageInfo, { description: 'Where this page sits.' }) pageInfo: PageInfo;
  @Field(() => Int, { description: PAGE_ARGS.totalCount }) readonly totalCount: Promise<number>;
}
