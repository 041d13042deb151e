import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type * as order from '../domain/order';
import { OrderStatus } from '../domain/order';
import { PageInfo } from './common';
import { QuotaUsage, Quotas } from './partner';

registerEnumType(OrderStatus, { name: 'OrderStatus' });

@InputType({ description: 'One BI-RADS category of the mix: give a fraction (all entries) or a count (all entries).' })
export class MixEntryInput {
  @Field(() => Int) birads: number;
  @Field(() => Float, { nullable: true }) fraction?: number | null;
  @Field(() => Int, { nullable: true }) count?: number | null;
}

@InputType()
export class OrderInput {
  @Field() modelId: string;
  @Field(() => Int, { description: 'Total images; fractions are apportioned by largest remainder to sum exactly to it.' }) size: number;
  @Field(() => [MixEntryInput]) mix: MixEntryInput[];
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Non-negative; the same seed gives the same images. Random when omitted.' }) seed?: number | null;
  @Field(() => Int, { nullable: true, description: "Sampling steps; the model's default when omitted." }) steps?: number | null;
  @Field(() => Float, { nullable: true, description: "Classifier-free guidance scale; the model's default when omitted." }) guidance?: number | null;
}

@ObjectType()
export class ClassCount implements order.ClassCount {
  @Field(() => Int) birads: number;
  @Field(() => Int) count: number;
}

@ObjectType({ description: 'What an order would be, without placing it.' })
export class Quote {
  @Field() modelId: string;
  @Field(() => Int) size: number;
  @Field(() => [ClassCount]) counts: ClassCount[];
  @Field(() => GraphQLSafeInt, { nullable: true }) seed: number | null;
  @Field(() => Int) steps: number;
  @Field(() => Float) guidance: number;
  @Field(() => Int, { description: 'Jobs the order would be split into.' }) shards: number;
  @Field(() => Quotas) quotas: Quotas;
  @Field(() => QuotaUsage) usage: QuotaUsage;
}

@ObjectType()
export class Order {
  @Field(() => ID) id: string;
  @Field(() => OrderStatus) status: OrderStatus;
  @Field() modelId: string;
  @Field(() => Int) size: number;
  @Field(() => [ClassCount], { description: 'Images ordered per class.' }) counts: ClassCount[];
  @Field(() => GraphQLSafeInt) seed: number;
  @Field(() => Int) steps: number;
  @Field(() => Float) guidance: number;
  @Field(() => ID) certificateId: string;
  @Field(() => String, { nullable: true }) idempotencyKey: string | null;
  @Field(() => String, { nullable: true }) failureReason: string | null;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) startedAt: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
}

@ObjectType()
export class OrderEdge {
  @Field() cursor: string;
  @Field(() => Order) node: Order;
}

@ObjectType()
export class OrderConnection {
  @Field(() => [OrderEdge]) edges: OrderEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@InputType()
export class OrderFilterInput {
  @Field(() => [OrderStatus], { nullable: true }) status?: OrderStatus[] | null;
  @Field(() => String, { nullable: true }) modelId?: string | null;
  @Field(() => Date, { nullable: true }) createdAfter?: Date | null;
  @Field(() => Date, { nullable: true }) createdBefore?: Date | null;
}

@ObjectType({ description: 'A delivered image. The bytes come from the download routes.' })
export class OrderImage {
  @Field(() => Int) index: number;
  @Field(() => Int) birads: number;
  @Field() sha256: string;
  @Field({ description: 'Decimal u64 seed of the delivered attempt.' }) seed: string;
  @Field(() => Int) attempt: number;
  @Field(() => Float, { description: 'Distance to the nearest training image.' }) nnDistance: number;
  @Field(() => Int, { description: 'Attempts rejected by the privacy check before this one.' }) rejections: number;
}

@ObjectType()
export class OrderImageEdge {
  @Field() cursor: string;
  @Field(() => OrderImage) node: OrderImage;
}

@ObjectType()
export class OrderImageConnection {
  @Field(() => [OrderImageEdge]) edges: OrderImageEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}
