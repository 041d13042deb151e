import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type * as order from '../domain/order';
import { Sampler } from '../domain/model';
import { OrderStatus } from '../domain/order';
import { PAGE_ARGS, PageInfo } from './common';
import { QuotaUsage, Quotas } from './partner';

registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: "Where an order is in its life: QUEUED → RUNNING → COMPLETED, FAILED or CANCELLED (the last three are final).",
  valuesConfig: {
    QUEUED: { description: 'Placed; no worker has started it yet.' },
    RUNNING: { description: 'Workers are generating and checking its images.' },
    COMPLETED: { description: 'Every image delivered and the certificate passed: the cohort can be downloaded. Final.' },
    FAILED: { description: 'Stopped: a shard gave up, or the cohort failed the privacy check (failureReason says which). Final.' },
    CANCELLED: { description: 'Cancelled by the partner or an administrator. Final.' },
  },
});

registerEnumType(Sampler, {
  name: 'Sampler',
  description: 'How the denoiser is stepped from noise to an image (docs/bundle-format.md).',
  valuesConfig: {
    DDIM: { description: "DDIM (eta 0): the bundle contract's reference sampler." },
    DPM_SOLVER_PP: { description: "DPM-Solver++(2M): a second-order multistep sampler. Whether it beats DDIM at equal steps depends on the model: on the shipped one it does not (docs/performance.md)." },
  },
});

@InputType({ description: 'One BI-RADS category of the mix: give a fraction (all entries) or a count (all entries).' })
export class MixEntryInput {
  @Field(() => Int, { description: 'The BI-RADS category, 0 to 6; the model must be trained on it (see Model.classes). At most one entry per category.' }) birads: number;
  @Field(() => Float, { nullable: true, description: "This category's share of the order, 0 to 1; the fractions of all entries must sum to 1." }) fraction?: number | null;
  @Field(() => Int, { nullable: true, description: 'Images of this category, 0 or more; the counts of all entries must sum to size.' }) count?: number | null;
}

@InputType({ description: 'What to generate: a model, a size, a BI-RADS mix and optional sampling settings.' })
export class OrderInput {
  @Field({ description: 'The model to sample with (Model.modelId).' }) modelId: string;
  @Field(() => Int, { description: "Total images, at least 1 and at most your imagesPerOrder quota; fractions are apportioned by largest remainder to sum exactly to it." }) size: number;
  @Field(() => [MixEntryInput], { description: 'The categories and how many of each; at least one entry.' }) mix: MixEntryInput[];
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Non-negative integer below 2^53; the same seed gives the same images. Random when omitted.' }) seed?: number | null;
  @Field(() => Sampler, { nullable: true, description: 'The sampler every image is made with; DDIM when omitted (on the shipped model DPM_SOLVER_PP is no closer to a long run at equal steps).' }) sampler?: Sampler | null;
  @Field(() => Int, { nullable: true, description: "Sampling steps, within the model's minSteps..maxSteps; the model's default when omitted." }) steps?: number | null;
  @Field(() => Float, { nullable: true, description: "Classifier-free guidance scale, within the model's minGuidance..maxGuidance; the model's default when omitted." }) guidance?: number | null;
}

@ObjectType({ description: 'A number of images of one BI-RADS category.' })
export class ClassCount implements order.ClassCount {
  @Field(() => Int, { description: 'The BI-RADS category, 0 to 6.' }) birads: number;
  @Field(() => Int, { description: 'Images of that category.' }) count: number;
}

@ObjectType({ description: 'What an order would be, without placing it.' })
export class Quote {
  @Field({ description: 'The model it would use.' }) modelId: string;
  @Field(() => Int, { description: 'Total images.' }) size: number;
  @Field(() => [ClassCount], { description: 'Exact images per category, ascending BI-RADS, summing to size (categories with 0 left out).' }) counts: ClassCount[];
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'The seed given; null when the order would draw a random one.' }) seed: number | null;
  @Field(() => Sampler, { description: 'The sampler it would use.' }) sampler: Sampler;
  @Field(() => Int, { description: 'Sampling steps it would use.' }) steps: number;
  @Field(() => Float, { description: 'Guidance scale it would use.' }) guidance: number;
  @Field(() => Int, { description: 'Jobs the order would be split into (workers take one each).' }) shards: number;
  @Field(() => Quotas, { description: 'Your quotas.' }) quotas: Quotas;
  @Field(() => QuotaUsage, { description: 'What you have used of them now, before this order.' }) usage: QuotaUsage;
}

@ObjectType({ description: 'An order for a synthetic cohort, and where it stands.' })
export class Order {
  @Field(() => ID, { description: 'The order id (a UUID).' }) id: string;
  @Field(() => OrderStatus, { description: 'Where the order is in its life.' }) status: OrderStatus;
  @Field({ description: 'The model it samples with.' }) modelId: string;
  @Field(() => Int, { description: 'Total images ordered.' }) size: number;
  @Field(() => [ClassCount], { description: 'Images ordered per class, ascending BI-RADS, summing to size.' }) counts: ClassCount[];
  @Field(() => GraphQLSafeInt, { description: "The order's seed (given or drawn): with the same model, settings and seed, the same images." }) seed: number;
  @Field(() => Sampler, { description: 'The sampler every image of the order is made with.' }) sampler: Sampler;
  @Field(() => Int, { description: 'Sampling steps per image.' }) steps: number;
  @Field(() => Float, { description: 'Classifier-free guidance scale.' }) guidance: number;
  @Field(() => ID, { description: 'The id its certificate has (or will have once signed).' }) certificateId: string;
  @Field(() => String, { nullable: true, description: 'The idempotency key it was placed with; null if none.' }) idempotencyKey: string | null;
  @Field(() => String, { nullable: true, description: 'Why it failed; null unless FAILED.' }) failureReason: string | null;
  @Field({ description: 'When it was placed (ISO 8601, UTC).' }) createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'When the first worker started it (ISO 8601, UTC); null while QUEUED.' }) startedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it reached a final status (ISO 8601, UTC); null before.' }) finishedAt: Date | null;
}

@ObjectType({ description: 'An order with its cursor.' })
export class OrderEdge {
  @Field({ description: 'Pass as `after` to continue after this order.' }) cursor: string;
  @Field(() => Order, { description: 'The order.' }) node: Order;
}

@ObjectType({ description: 'A page of orders, newest first.' })
export class OrderConnection {
  @Field(() => [OrderEdge], { description: 'The orders of this page.' }) edges: OrderEdge[];
  @Field(() => PageInfo, { description: 'Where this page sits.' }) pageInfo: PageInfo;
  @Field(() => Int, { description: PAGE_ARGS.totalCount }) readonly totalCount: Promise<number>;
}

@InputType({ description: 'Which orders to list; every given field must match (omitted fields match anything).' })
export class OrderFilterInput {
  @Field(() => [OrderStatus], { nullable: true, description: 'Orders in any of these statuses.' }) status?: OrderStatus[] | null;
  @Field(() => String, { nullable: true, description: 'Orders of this model.' }) modelId?: string | null;
  @Field(() => Date, { nullable: true, description: 'Orders placed at or after this instant (ISO 8601).' }) createdAfter?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Orders placed before this instant (ISO 8601).' }) createdBefore?: Date | null;
}

@ObjectType({ description: 'A delivered image. The bytes come from the download routes.' })
export class OrderImage {
  @Field(() => Int, { description: "Position in the order, 0 to size - 1; the archive's file is images/<birads>/<index zero-padded to 6 or more digits>.png." }) index: number;
  @Field(() => Int, { description: 'The BI-RADS category it was generated for.' }) birads: number;
  @Field({ description: "SHA-256 (64 hex digits) of the PNG file's bytes." }) sha256: string;
  @Field({ description: 'Decimal u64 seed of the delivered attempt (a string: it may exceed 2^53).' }) seed: string;
  @Field(() => Int, { description: 'Which attempt was delivered: 0 for the first; each rejected attempt adds one.' }) attempt: number;
  @Field(() => Float, { description: 'Distance to the nearest training image: Euclidean distance between unit embeddings, 0 to 2; at least the model\'s threshold, or it would not be delivered.' }) nnDistance: number;
  @Field(() => Int, { description: 'Attempts rejected by the privacy check before this one (too close to a training image).' }) rejections: number;
}

@ObjectType({ description: 'A delivered image with its cursor.' })
export class OrderImageEdge {
  @Field({ description: 'Pass as `after` to continue after this image.' }) cursor: string;
  @Field(() => OrderImage, { description: 'The image.' }) node: OrderImage;
}

@ObjectType({ description: 'A page of delivered images, by ascending index.' })
export class OrderImageConnection {
  @Field(() => [OrderImageEdge], { description: 'The images of this page.' }) edges: OrderImageEdge[];
  @Field(() => PageInfo, { description: 'Where this page sits.' }) pageInfo: PageInfo;
  @Field(() => Int, { description: PAGE_ARGS.totalCount }) readonly totalCount: Promise<number>;
}
