import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PartnerEntity } from '../entities/partner';
import { Application, ApplyInput, Partner, PartnerStatus, QuotaInput, QuotaUsage, Quotas } from '../schema/partner';
import type { GraphQLContext } from '../server/context';
import { apply, changeStatus, getPartner, listPartners, setQuotas } from '../services/partners';
import { requireAdmin, requirePartner } from '../services/principal';
import { effectiveQuotas, quotaUsage } from '../services/quotas';

@Resolver(() => Partner)
export class PartnerResolver {
  @Mutation(() => Application, { description: 'Apply for a partner account. No key needed.' })
  async apply(@Arg('input', () => ApplyInput) input: ApplyInput, @Ctx() ctx: GraphQLContext): Promise<Application> {
    const { partner, key } = await apply(ctx.ds, input);
    return { partner: partner as Partner, apiKey: key.key, secret: key.secret };
  }

  @Query(() => Partner, { description: "The calling key's partner account." })
  me(@Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return getPartner(ctx.ds, requirePartner(ctx.principal, 'account', false).partnerId);
  }

  @Query(() => [Partner])
  partners(@Arg('status', () => PartnerStatus, { nullable: true }) status: PartnerStatus | null, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity[]> {
    requireAdmin(ctx.principal);
    return listPartners(ctx.ds, status ?? undefined);
  }

  @Query(() => Partner)
  partner(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    requireAdmin(ctx.principal);
    return getPartner(ctx.ds, id);
  }

  @Mutation(() => Partner)
  approvePartner(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    requireAdmin(ctx.principal);
    return changeStatus(ctx.ds, id, 'approve', null);
  }

  @Mutation(() => Partner)
  rejectPartner(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    requireAdmin(ctx.principal);
    return changeStatus(ctx.ds, id, 'reject', reason);
  }

  @Mutation(() => Partner, { description: "Suspends a partner: its keys stop working for everything but `me`." })
  suspendPartner(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    requireAdmin(ctx.principal);
    return changeStatus(ctx.ds, id, 'suspend', reason);
  }

  @Mutation(() => Partner)
  reinstatePartner(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    requireAdmin(ctx.principal);
    return changeStatus(ctx.ds, id, 'reinstate', null);
  }

  @Mutation(() => Partner)
  setPartnerQuotas(@Arg('id', () => ID) id: string, @Arg('quotas', () => QuotaInput) quotas: QuotaInput, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    requireAdmin(ctx.principal);
    return setQuotas(ctx.ds, id, quotas);
  }

  @FieldResolver(() => Quotas)
  quotas(@Root() p: PartnerEntity, @Ctx() ctx: GraphQLContext): Quotas {
    return effectiveQuotas(p, ctx.config.quotaDefaults);
  }

  @FieldResolver(() => QuotaUsage)
  usage(@Root() p: PartnerEntity, @Ctx() ctx: GraphQLContext): Promise<QuotaUsage> {
    return quotaUsage(ctx.ds.manager, p.id);
  }
}
