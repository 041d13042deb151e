import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { deliveryDeps } from '../delivery/delivery-deps';
import { createDownloadLink } from '../delivery/downloads';
import { ArchiveFormatEnum, DownloadLink } from '../schema/download';
import type { GraphQLContext } from '../server/context';
import { requirePartner } from '../services/principal';

@Resolver()
export class DownloadResolver {
  @Mutation(() => DownloadLink, { description: "A signed, expiring download link for one of your completed orders' cohort." })
  async createDownloadLink(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('format', () => ArchiveFormatEnum, { defaultValue: ArchiveFormatEnum.ZIP }) format: ArchiveFormatEnum,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DownloadLink> {
    const who = requirePartner(ctx.principal, 'downloads');
    return createDownloadLink(await deliveryDeps(ctx), who, orderId, format);
  }
}
