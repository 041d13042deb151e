import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Agreement, AgreementAcceptance } from '../schema/agreement';
import { acceptAgreement, currentAgreement, latestAcceptance, publishAgreement } from '../services/agreements';
import type { Grant, PartnerPrincipal } from '../services/principal';
import { CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

@Resolver()
export class AgreementResolver {
  @Query(() => Agreement, { description: 'The current data-use agreement, which partners must accept to order. Public.' })
  currentAgreement(@Ctx() ctx: GraphQLContext): Promise<Agreement> {
    return currentAgreement(ctx.ds);
  }

  @Authorized<Grant>('account:any-status')
  @Query(() => AgreementAcceptance, { nullable: true, description: "The calling partner's latest acceptance (of any version); null if none. Needs ACCOUNT." })
  myAgreementAcceptance(@CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<AgreementAcceptance | null> {
    return latestAcceptance(ctx.ds, who.partnerId);
  }

  @Authorized<Grant>('account:any-status')
  @Mutation(() => AgreementAcceptance, { description: 'Accept the current agreement. Needs ACCOUNT; works while the account is pending.' })
  acceptAgreement(
    @Arg('version', () => Int, { description: 'The version you read: it must be the current one (currentAgreement.version), or AGREEMENT_VERSION_NOT_CURRENT.' }) version: number,
    @CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<AgreementAcceptance> {
    return acceptAgreement(ctx.ds, who.partnerId, who.keyId, version);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Agreement, { description: 'Publish a new version; partners must accept it before their next order.' })
  publishAgreement(@Arg('text', { description: 'The full agreement text, at least 20 characters.' }) text: string, @Ctx() ctx: GraphQLContext): Promise<Agreement> {
    return publishAgreement(ctx.ds, text);
  }
}
