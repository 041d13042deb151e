import { GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PageInfo } from './common';

@ObjectType()
export class AuditEntry {
  @Field(() => GraphQLSafeInt) seq: number;
  @Field() at: Date;
  @Field() actor: string;
  @Field(() => ID, { nullable: true }) keyId: string | null;
  @Field() action: string;
  @Field(() => String, { nullable: true }) targetType: string | null;
  @Field(() => String, { nullable: true }) targetId: string | null;
  @Field() outcome: string;
  @Field(() => GraphQLJSONObject) detail: Record<string, unknown>;
  @Field() prevHash: string;
  @Field() hash: string;
}

@ObjectType()
export class AuditEdge {
  @Field() cursor: string;
  @Field(() => AuditEntry) node: AuditEntry;
}

@ObjectType()
export class AuditConnection {
  @Field(() => [AuditEdge]) edges: AuditEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@InputType()
export class AuditFilterInput {
  @Field(() => String, { nullable: true }) action?: string | null;
  @Field(() => String, { nullable: true, description: '"admin", "partner:<id>", "worker" or "anonymous".' }) actor?: string | null;
  @Field(() => String, { nullable: true }) targetId?: string | null;
  @Field(() => String, { nullable: true }) outcome?: string | null;
  @Field(() => Date, { nullable: true }) since?: Date | null;
  @Field(() => Date, { nullable: true }) until?: Date | null;
}

@ObjectType()
export class AuditVerification {
  @Field() ok: boolean;
  @Field(() => Int) entries: number;
  @Field() lastHash: string;
  @Field(() => GraphQLSafeInt, { nullable: true }) brokenAtSeq: number | null;
  @Field(() => String, { nullable: true }) reason: string | null;
}
