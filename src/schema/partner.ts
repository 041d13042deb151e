import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PartnerStatus } from '../domain/partner';
import type * as quota from '../domain/quota';
import { ApiKey } from './api-key';

registerEnumType(PartnerStatus, { name: 'PartnerStatus' });

@ObjectType()
export class Quotas implements quota.Quotas {
  @Field(() => Int) imagesPerOrder: number;
  @Field(() => Int) imagesPer30Days: number;
  @Field(() => Int) concurrentOrders: number;
}

@ObjectType()
export class QuotaUsage implements quota.QuotaUsage {
  @Field(() => Int) imagesLast30Days: number;
  @Field(() => Int) activeOrders: number;
}

@ObjectType({ description: 'A research institution that orders cohorts.' })
export class Partner {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() institution: string;
  @Field() contactEmail: string;
  @Field() purpose: string;
  @Field(() => PartnerStatus) status: PartnerStatus;
  @Field(() => String, { nullable: true }) statusReason: string | null;
  @Field() createdAt: Date;
  @Field() statusChangedAt: Date;
}

@InputType()
export class ApplyInput {
  @Field() name: string;
  @Field() institution: string;
  @Field() contactEmail: string;
  @Field({ description: 'The research purpose the cohorts serve.' }) purpose: string;
}

@ObjectType()
export class Application {
  @Field(() => Partner) partner: Partner;
  @Field(() => ApiKey, { description: 'An "account"-scoped key: follow the application and accept the agreement with it.' }) apiKey: ApiKey;
  @Field({ description: 'The bearer token of apiKey. Shown this once; store it now.' }) secret: string;
}

@InputType()
export class QuotaInput {
  @Field(() => Int, { nullable: true, description: 'Null restores the default.' }) imagesPerOrder?: number | null;
  @Field(() => Int, { nullable: true }) imagesPer30Days?: number | null;
  @Field(() => Int, { nullable: true }) concurrentOrders?: number | null;
}
