import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Agreement, AgreementAcceptance } from '../schema/agreement';
import { acceptAgreement, currentAgreement, latestAcceptance, publishAgreement } from '../services/agreements';
import type { Grant, PartnerPrincipal } from '../services/principal';
import { CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

@Resolver()
export class AgreementResolver {
  @Query(() => Agreement, { description: 'The data-use agreement partners must accept to order. Public.' })
  currentAgreement(@Ctx() ctx: GraphQLContext): Promise<Agreement> {
    return currentAgreement(ctx.ds);
  }

  @Authorized<Grant>('account:any-status')
  @Query(() => AgreementAcceptance, { nullable: true, description: "The calling partner's latest acceptance." })
  myAgreementAcceptance(@CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<AgreementAcceptance | null> {
    return latestAcceptance(ctx.ds, who.partnerId);
  }

  @Authorized<Grant>('account:any-status')
  @Mutation(() => AgreementAcceptance, { description: 'Accept the current agreement; `version` must be the current one.' })
  acceptAgreement(@Arg('version', () => Int) version: number, @CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<AgreementAcceptance> {
    return acceptAgreement(ctx.ds, who.partnerId, who.keyId, version);
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => Agreement, { description: 'Publish a new version; partners must accept it before their next order.' })
  publishAgreement(@Arg('text') text: string, @Ctx() ctx: GraphQLContext): Promise<Agreement> {
    return publishAgreement(ctx.ds, text);
  }
}
