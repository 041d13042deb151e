import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PartnerStatus } from '../domain/partner';
import type * as quota from '../domain/quota';
import { ApiKey } from './api-key';

registerEnumType(PartnerStatus, {
  name: 'PartnerStatus',
  description: "Where a partner account is: PENDING → APPROVED or REJECTED; APPROVED ⇄ SUSPENDED.",
  valuesConfig: {
    PENDING: { description: 'Applied; waiting for an administrator. Its keys can read the account and accept the agreement.' },
    APPROVED: { description: 'May order and download, within its quotas.' },
    SUSPENDED: { description: 'Stopped by an administrator (statusReason says why); its keys work only for `me` until reinstated.' },
    REJECTED: { description: 'The application was declined (statusReason says why). Final.' },
  },
});

@ObjectType({ description: "A partner's limits; each is the server's default unless an administrator set it." })
export class Quotas implements quota.Quotas {
  @Field(() => Int, { description: 'The largest order, in images (1,000 unless the operator changed the default).' }) imagesPerOrder: number;
  @Field(() => Int, { description: 'Images that orders placed in any rolling 30 days may add up to (10,000 unless the operator changed the default).' }) imagesPer30Days: number;
  @Field(() => Int, { description: 'Orders that may be queued or running at once (3 unless the operator changed the default).' }) concurrentOrders: number;
}

@ObjectType({ description: 'What a partner has used of its quotas now.' })
export class QuotaUsage implements quota.QuotaUsage {
  @Field(() => Int, { description: 'Images of orders placed in the last 30 days; an order that failed or was cancelled counts only the images it delivered.' }) imagesLast30Days: number;
  @Field(() => Int, { description: 'Orders queued or running.' }) activeOrders: number;
}

@ObjectType({ description: 'A research institution that orders cohorts.' })
export class Partner {
  @Field(() => ID, { description: 'The partner id (a UUID).' }) id: string;
  @Field({ description: "The applicant's name (1 to 200 characters)." }) name: string;
  @Field({ description: 'The institution (1 to 200 characters).' }) institution: string;
  @Field({ description: 'Where we write about the account and its orders (at most 200 characters).' }) contactEmail: string;
  @Field({ description: 'The research purpose the cohorts serve (1 to 4,000 characters).' }) purpose: string;
  @Field(() => PartnerStatus, { description: 'Where the account is.' }) status: PartnerStatus;
  @Field(() => String, { nullable: true, description: 'Why it was suspended or rejected; null otherwise.' }) statusReason: string | null;
  @Field({ description: 'When it applied (ISO 8601, UTC).' }) createdAt: Date;
  @Field({ description: 'When its status last changed (ISO 8601, UTC).' }) statusChangedAt: Date;
}

@InputType({ description: 'An application for a partner account.' })
export class ApplyInput {
  @Field({ description: "The applicant's name, 1 to 200 characters." }) name: string;
  @Field({ description: 'The institution, 1 to 200 characters.' }) institution: string;
  @Field({ description: 'A contact e-mail address, at most 200 characters.' }) contactEmail: string;
  @Field({ description: 'The research purpose the cohorts serve, 1 to 4,000 characters.' }) purpose: string;
}

@ObjectType({ description: 'A new, pending partner account and its first key.' })
export class Application {
  @Field(() => Partner, { description: 'The account, PENDING until an administrator approves it.' }) partner: Partner;
  @Field(() => ApiKey, { description: 'An "account"-scoped key: follow the application and accept the agreement with it.' }) apiKey: ApiKey;
  @Field({ description: 'The bearer token of apiKey. Shown this once; store it now.' }) secret: string;
}

@InputType({ description: "New quotas for a partner; an omitted field stays as it is." })
export class QuotaInput {
  @Field(() => Int, { nullable: true, description: 'Largest order in images, 1 or more; null restores the server default.' }) imagesPerOrder?: number | null;
  @Field(() => Int, { nullable: true, description: 'Images per rolling 30 days, 1 or more; null restores the server default.' }) imagesPer30Days?: number | null;
  @Field(() => Int, { nullable: true, description: 'Orders queued or running at once, 1 or more; null restores the server default.' }) concurrentOrders?: number | null;
}
