import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { MemberRole } from '../domain/partner';
import { AddMemberInput, Member } from '../schema/member';
import { addMember, changeMemberRole, listMembers, removeMember } from '../services/members';
import type { Grant, PartnerPrincipal } from '../services/principal';
import { CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

const MEMBER_ID = 'The member (Member.id): one of your organisation.';

@Resolver()
export class MemberResolver {
  @Authorized<Grant>('account:any-status')
  @Query(() => [Member], { description: "Your organisation's members, oldest first. Needs ACCOUNT (ADMIN members)." })
  members(
    @Arg('includeRemoved', () => Boolean, { nullable: true, description: 'true: also list removed members (with removedAt); omitted, null or false: current members only.' }) includeRemoved: boolean | null,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Member[]> {
    return listMembers(ctx.ds, who.partnerId, includeRemoved ?? false);
  }

  @Authorized<Grant>('account')
  @Mutation(() => Member, { description: 'Add a member to your organisation; then issue them keys with `issueApiKey(memberId:)`. Needs ACCOUNT (ADMIN members) on an approved account.' })
  addMember(@Arg('input', () => AddMemberInput, { description: 'Who, and with which role.' }) input: AddMemberInput, @CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return addMember(ctx.ds, who, input);
  }

  @Authorized<Grant>('account')
  @Mutation(() => Member, {
    description: "Change a member's role. Their keys hold the new role's scopes from their next request on (over an open WebSocket too: its next operation). The last ADMIN cannot be demoted (CONFLICT LAST_ADMIN). Needs ACCOUNT.",
  })
  async changeMemberRole(
    @Arg('id', () => ID, { description: MEMBER_ID }) id: string,
    @Arg('role', () => MemberRole, { description: 'The new role.' }) role: MemberRole,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Member> {
    const member = await changeMemberRole(ctx.ds, who, id, role);
    ctx.accessChanged({ memberId: member.id });
    return member;
  }

  @Authorized<Grant>('account')
  @Mutation(() => Member, { description: "Remove a member and revoke every key of theirs at once (their open WebSockets close). Removing twice is harmless. The last ADMIN cannot be removed (CONFLICT LAST_ADMIN). Needs ACCOUNT." })
  async removeMember(@Arg('id', () => ID, { description: MEMBER_ID }) id: string, @CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<Member> {
    const member = await removeMember(ctx.ds, who, id);
    ctx.accessChanged({ memberId: member.id });
    return member;
  }
}
