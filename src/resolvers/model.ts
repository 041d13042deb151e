import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { ModelSummary } from '../domain/model';
import { CertificateKey } from '../schema/certificate';
import { Model } from '../schema/model';
import { notFound } from '../services/errors';
import { findModel, listModels, listSigningKeys } from '../services/models';
import type { GraphQLContext } from './context';

@Resolver()
export class ModelResolver {
  @Query(() => [Model], { description: 'The model bundles the workers serve, by modelId. Public.' })
  models(@Ctx() ctx: GraphQLContext): Promise<ModelSummary[]> {
    return listModels(ctx.ds);
  }

  @Query(() => Model, { description: 'One loaded model bundle; NOT_FOUND when no worker serves it. Public.' })
  async model(@Arg('modelId', () => ID, { description: 'The model id (Model.modelId).' }) modelId: string, @Ctx() ctx: GraphQLContext): Promise<ModelSummary> {
    const m = await findModel(ctx.ds, modelId);
    if (!m) throw notFound('model', modelId);
    return m;
  }

  @Query(() => [CertificateKey], { description: 'Public keys that verify certificates, current first. Public.' })
  certificateKeys(@Ctx() ctx: GraphQLContext): Promise<CertificateKey[]> {
    return listSigningKeys(ctx.ds);
  }
}
