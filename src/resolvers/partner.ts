import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PartnerEntity } from '../entities/partner';
import { PartnerStatus } from '../domain/partner';
import { Member } from '../schema/member';
import { Application, ApplyInput, Partner, QuotaInput, QuotaUsage, Quotas } from '../schema/partner';
import { Usage } from '../schema/usage';
import { listMembers } from '../services/members';
import { apply, changeStatus, getPartner, listPartners, setQuotas } from '../services/partners';
import type { Grant, PartnerPrincipal, Principal } from '../services/principal';
import { effectiveQuotas, quotaUsage } from '../services/quotas';
import { PartnerUsage, partnerUsage, usageSubject } from '../services/usage';
import { Caller, CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

const PARTNER_ID = 'The partner (Partner.id).';

/** A partner's new status, forgotten at once by this process's principal cache. */
async function changeAccess(ctx: GraphQLContext, id: string, action: Parameters<typeof changeStatus>[2], reason: string | null): Promise<PartnerEntity> {
  const partner = await changeStatus(ctx.ds, id, action, reason);
  ctx.accessChanged({ partnerId: partner.id });
  return partner;
}

@Resolver(() => Partner)
export class PartnerResolver {
  @Mutation(() => Application, { description: 'Apply for a partner account. No key needed; an administrator approves or rejects it.' })
  async apply(@Arg('input', () => ApplyInput, { description: 'Who you are and what the cohorts are for.' }) input: ApplyInput, @Ctx() ctx: GraphQLContext): Promise<Application> {
    const { partner, key } = await apply(ctx.ds, input);
    return { partner: partner as Partner, apiKey: key.key, secret: key.secret };
  }

  @Authorized<Grant>('account:any-status')
  @Query(() => Partner, { description: "The calling key's partner account, whatever its status. Needs ACCOUNT." })
  me(@CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return getPartner(ctx.ds, who.partnerId);
  }

  @Authorized<Grant>('ADMIN', 'account:any-status')
  @Query(() => Usage, { name: 'usage', description: "Where a partner stands against its quotas this period (the rolling 30 days): a partner's own, or (admins) anyone's. Needs ACCOUNT." })
  usageQuery(
    @Arg('partnerId', () => ID, { nullable: true, description: 'Admins: the partner to look at (required). Partners: omit it, or give your own id.' }) partnerId: string | null,
    @Caller() who: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PartnerUsage> {
    return partnerUsage(ctx.ds, usageSubject(who, partnerId), ctx.config.quotaDefaults);
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => [Partner], { description: 'Every partner, oldest application first. Admins only.' })
  partners(@Arg('status', () => PartnerStatus, { nullable: true, description: 'Only partners in this status; all when omitted.' }) status: PartnerStatus | null, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity[]> {
    return listPartners(ctx.ds, status ?? undefined);
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => Partner, { description: 'One partner. Admins only.' })
  partner(@Arg('id', () => ID, { description: PARTNER_ID }) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return getPartner(ctx.ds, id);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner, { description: 'Approve a PENDING application: its keys may then order (after accepting the agreement). Admins only.' })
  approvePartner(@Arg('id', () => ID, { description: PARTNER_ID }) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return changeAccess(ctx, id, 'approve', null);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner, { description: 'Decline a PENDING application. Final. Admins only.' })
  rejectPartner(
    @Arg('id', () => ID, { description: PARTNER_ID }) id: string,
    @Arg('reason', { description: 'Why, shown to the partner as statusReason.' }) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PartnerEntity> {
    return changeAccess(ctx, id, 'reject', reason);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner, { description: 'Suspends an APPROVED partner: its keys stop working for everything but `me`. Admins only.' })
  suspendPartner(
    @Arg('id', () => ID, { description: PARTNER_ID }) id: string,
    @Arg('reason', { description: 'Why, shown to the partner as statusReason.' }) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PartnerEntity> {
    return changeAccess(ctx, id, 'suspend', reason);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner, { description: 'Reinstate a SUSPENDED partner: APPROVED again. Admins only.' })
  reinstatePartner(@Arg('id', () => ID, { description: PARTNER_ID }) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return changeAccess(ctx, id, 'reinstate', null);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner, { description: "Set a partner's quotas. Admins only." })
  setPartnerQuotas(
    @Arg('id', () => ID, { description: PARTNER_ID }) id: string,
    @Arg('quotas', () => QuotaInput, { description: 'The quotas to change; omitted fields stay, null ones return to the default.' }) quotas: QuotaInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PartnerEntity> {
    return setQuotas(ctx.ds, id, quotas);
  }

  @FieldResolver(() => Quotas, { description: "The partner's limits." })
  quotas(@Root() p: PartnerEntity, @Ctx() ctx: GraphQLContext): Quotas {
    return effectiveQuotas(p, ctx.config.quotaDefaults);
  }

  @FieldResolver(() => [Member], { description: "The organisation's current members, oldest first (the `members` query can list removed ones too)." })
  members(@Root() p: PartnerEntity, @Ctx() ctx: GraphQLContext): Promise<Member[]> {
    return listMembers(ctx.ds, p.id, false);
  }

  @FieldResolver(() => QuotaUsage, { description: 'What the partner has used of its quotas now; the `usage` query has the whole picture.' })
  usage(@Root() p: PartnerEntity, @Ctx() ctx: GraphQLContext): Promise<QuotaUsage> {
    return quotaUsage(ctx.ds.manager, p.id);
  }
}
