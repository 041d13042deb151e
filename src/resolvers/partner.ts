import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PartnerEntity } from '../entities/partner';
import { PartnerStatus } from '../domain/partner';
import { Application, ApplyInput, Partner, QuotaInput, QuotaUsage, Quotas } from '../schema/partner';
import { apply, changeStatus, getPartner, listPartners, setQuotas } from '../services/partners';
import type { Grant, PartnerPrincipal } from '../services/principal';
import { effectiveQuotas, quotaUsage } from '../services/quotas';
import { CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

@Resolver(() => Partner)
export class PartnerResolver {
  @Mutation(() => Application, { description: 'Apply for a partner account. No key needed.' })
  async apply(@Arg('input', () => ApplyInput) input: ApplyInput, @Ctx() ctx: GraphQLContext): Promise<Application> {
    const { partner, key } = await apply(ctx.ds, input);
    return { partner: partner as Partner, apiKey: key.key, secret: key.secret };
  }

  @Authorized<Grant>('account:any-status')
  @Query(() => Partner, { description: "The calling key's partner account." })
  me(@CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return getPartner(ctx.ds, who.partnerId);
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => [Partner])
  partners(@Arg('status', () => PartnerStatus, { nullable: true }) status: PartnerStatus | null, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity[]> {
    return listPartners(ctx.ds, status ?? undefined);
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => Partner)
  partner(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return getPartner(ctx.ds, id);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner)
  approvePartner(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return changeStatus(ctx.ds, id, 'approve', null);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner)
  rejectPartner(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return changeStatus(ctx.ds, id, 'reject', reason);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner, { description: "Suspends a partner: its keys stop working for everything but `me`." })
  suspendPartner(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return changeStatus(ctx.ds, id, 'suspend', reason);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner)
  reinstatePartner(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
    return changeStatus(ctx.ds, id, 'reinstate', null);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Partner)
  setPartnerQuotas(@Arg('id', () => ID) id: string, @Arg('quotas', () => QuotaInput) quotas: QuotaInput, @Ctx() ctx: GraphQLContext): Promise<PartnerEntity> {
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
