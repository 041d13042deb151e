import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { createDownloadLink } from '../delivery/downloads';
import { ArchiveFormatEnum, DownloadLink } from '../schema/download';
import type { Grant, PartnerPrincipal } from '../services/principal';
import { CallingPartner } from './authorization';
import type { GraphQLContext } from './context';

@Resolver()
export class DownloadResolver {
  @Authorized<Grant>('downloads')
  @Mutation(() => DownloadLink, { description: "A signed, expiring download link for one of your completed orders' cohort. Needs DOWNLOADS." })
  createDownloadLink(
    @Arg('orderId', () => ID, { description: 'A COMPLETED order of yours.' }) orderId: string,
    @Arg('format', () => ArchiveFormatEnum, { defaultValue: ArchiveFormatEnum.ZIP, description: 'The archive format; ZIP when omitted.' }) format: ArchiveFormatEnum,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DownloadLink> {
    return createDownloadLink(ctx.delivery, who, orderId, format);
  }
}
