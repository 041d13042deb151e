import { GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PAGE_ARGS, PageInfo } from './common';

@ObjectType({ description: 'One entry of the append-only, hash-chained audit log: who did what to what, and how it ended.' })
export class AuditEntry {
  @Field(() => GraphQLSafeInt, { description: 'Position in the chain: 1 for the first entry, one more for each next; never reused.' }) seq: number;
  @Field({ description: 'When it happened (ISO 8601, UTC).' }) at: Date;
  @Field({ description: '"admin", "partner:<partner id>", "worker" or "anonymous".' }) actor: string;
  @Field(() => ID, { nullable: true, description: 'The API key used; null for workers and anonymous callers.' }) keyId: string | null;
  @Field(() => ID, { nullable: true, description: "The partner member whose key acted (Member.id); null for other actors and for entries written before members existed." }) memberId: string | null;
  @Field(() => String, { nullable: true, description: "That member's name when they acted; null when memberId is." }) memberName: string | null;
  @Field({ description: 'What was done, e.g. "mutation.placeOrder", "order.read", "download.serve".' }) action: string;
  @Field(() => String, { nullable: true, description: 'The kind of thing acted on, e.g. "order" or a mutation name; null when none.' }) targetType: string | null;
  @Field(() => String, { nullable: true, description: 'The id of the thing acted on (comma-separated for lists); null when none.' }) targetId: string | null;
  @Field({ description: '"ok", "denied" (refused: authorization, validation, quota) or "error" (failed inside the API).' }) outcome: string;
  @Field(() => GraphQLJSONObject, { description: "The action's particulars: a mutation's arguments, an error's code and reason, a download's range." }) detail: Record<string, unknown>;
  @Field({ description: "The previous entry's hash (64 hex digits; 64 zeros before the first entry)." }) prevHash: string;
  @Field({ description: "SHA-256 (64 hex digits) of this entry's RFC 8785 canonical JSON (the member too, when there is one), prevHash included: changing any earlier entry breaks it." }) hash: string;
}

@ObjectType({ description: 'An audit entry with its cursor.' })
export class AuditEdge {
  @Field({ description: 'Pass as `after` to continue after this entry.' }) cursor: string;
  @Field(() => AuditEntry, { description: 'The entry.' }) node: AuditEntry;
}

@ObjectType({ description: 'A page of audit entries, oldest first.' })
export class AuditConnection {
  @Field(() => [AuditEdge], { description: 'The entries of this page, by ascending seq.' }) edges: AuditEdge[];
  @Field(() => PageInfo, { description: 'Where this page sits.' }) pageInfo: PageInfo;
  @Field(() => Int, { description: PAGE_ARGS.totalCount }) readonly totalCount: Promise<number>;
}

@InputType({ description: 'Which audit entries to list; every given field must match (omitted fields match anything).' })
export class AuditFilterInput {
  @Field(() => String, { nullable: true, description: 'Exactly this action, e.g. "mutation.placeOrder".' }) action?: string | null;
  @Field(() => String, { nullable: true, description: 'Exactly this actor: "admin", "partner:<id>", "worker" or "anonymous".' }) actor?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only what this partner member did (Member.id).' }) memberId?: string | null;
  @Field(() => String, { nullable: true, description: 'Exactly this target id.' }) targetId?: string | null;
  @Field(() => String, { nullable: true, description: 'Exactly this outcome: "ok", "denied" or "error".' }) outcome?: string | null;
  @Field(() => Date, { nullable: true, description: 'Entries at or after this instant (ISO 8601).' }) since?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Entries before this instant (ISO 8601).' }) until?: Date | null;
}

@ObjectType({ description: 'The result of recomputing the whole audit hash chain.' })
export class AuditVerification {
  @Field({ description: 'True when every entry hashes to its stored hash and links to the one before.' }) ok: boolean;
  @Field(() => Int, { description: 'Entries that verified: all of them, or those before the first bad one.' }) entries: number;
  @Field({ description: 'The hash of the last entry that verified (64 hex digits).' }) lastHash: string;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'seq of the first entry that does not verify; null when ok.' }) brokenAtSeq: number | null;
  @Field(() => String, { nullable: true, description: 'Why that entry does not verify; null when ok.' }) reason: string | null;
}
