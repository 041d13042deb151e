import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { MemberRole } from '../domain/partner';

registerEnumType(MemberRole, {
  name: 'MemberRole',
  description: "What a member of a partner organisation may do. Each of the member's keys holds at most the role's scopes, from its next request after a change.",
  valuesConfig: {
    VIEWER: { description: 'Reads orders, progress and certificates, asks for quotes, downloads cohorts: scopes ORDERS_READ and DOWNLOADS.' },
    ORDERER: { description: "A viewer who also places and cancels orders: adds ORDERS_WRITE." },
    ADMIN: { description: 'An orderer who also manages the account: members, API keys, webhooks, the agreement: adds ACCOUNT. An organisation always has at least one.' },
  },
});

@ObjectType({ description: 'A named person of a partner organisation. Every partner API key belongs to one; the audit log names the member behind each action.' })
export class Member {
  @Field(() => ID, { description: 'The member id (a UUID).' }) id: string;
  @Field({ description: 'Who the member is, 1 to 200 characters, as the audit log shows them.' }) name: string;
  @Field(() => String, { nullable: true, description: "The member's e-mail address (up to 200 characters); null when none was given." }) email: string | null;
  @Field(() => MemberRole, { description: "What the member's keys may do." }) role: MemberRole;
  @Field({ description: 'When the member was added (ISO 8601, UTC). The applicant is the first member, an ADMIN.' }) createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'When the member was removed and their keys revoked (ISO 8601, UTC); null while a member.' }) removedAt: Date | null;
}

@InputType({ description: 'A member to add to your organisation.' })
export class AddMemberInput {
  @Field({ description: 'Who they are, 1 to 200 characters (surrounding spaces are trimmed).' }) name: string;
  @Field(() => String, { nullable: true, description: 'Their e-mail address, up to 200 characters; optional.' }) email?: string | null;
  @Field(() => MemberRole, { description: 'What their keys may do.' }) role: MemberRole;
}
