import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Agreement, AgreementAcceptance } from '../schema/agreement';
import type { GraphQLContext } from '../server/context';
import { acceptAgreement, currentAgreement, latestAcceptance, publishAgreement } from '../services/agreements';
import { requireAdmin, requirePartner } from '../services/principal';

@Resolver()
export class AgreementResolver {
  @Query(() => Agreement, { description: 'The data-use agreement partners must accept to order. Public.' })
  currentAgreement(@Ctx() ctx: GraphQLContext): Promise<Agreement> {
    return currentAgreement(ctx.ds);
  }

  @Query(() => AgreementAcceptance, { nullable: true, description: "The calling partner's latest acceptance." })
  myAgreementAcceptance(@Ctx() ctx: GraphQLContext): Promise<AgreementAcceptance | null> {
    return latestAcceptance(ctx.ds, requirePartner(ctx.principal, 'account', false).partnerId);
  }

  @Mutation(() => AgreementAcceptance, { description: 'Accept the current agreement; `version` must be the current one.' })
  acceptAgreement(@Arg('version', () => Int) version: number, @Ctx() ctx: GraphQLContext): Promise<AgreementAcceptance> {
    const who = requirePartner(ctx.principal, 'account', false);
    return acceptAgreement(ctx.ds, who.partnerId, who.keyId, version);
  }

  @Mutation(() => Agreement, { description: 'Publish a new version; partners must accept it before their next order.' })
  publishAgreement(@Arg('text') text: string, @Ctx() ctx: GraphQLContext): Promise<Agreement> {
    requireAdmin(ctx.principal);
    return publishAgreement(ctx.ds, text);
  }
}
