import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiKey, IssuedApiKey } from '../schema/api-key';
import type { GraphQLContext } from '../server/context';
import { issueKey, listKeys, revokeKey, validateScopes } from '../services/api-keys';
import { requireAuth, requirePartner } from '../services/principal';

@Resolver()
export class ApiKeyResolver {
  @Query(() => [ApiKey], { description: "The caller's keys (admins: the admin keys)." })
  apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    const who = requireAuth(ctx.principal);
    if (who.role === 'PARTNER') requirePartner(who, 'account', false);
    return listKeys(ctx.ds, who.partnerId);
  }

  @Mutation(() => IssuedApiKey, { description: 'Issue a key. The secret is returned once. Partners need an approved account.' })
  async issueApiKey(@Arg('name') name: string, @Arg('scopes', () => [String]) scopes: string[], @Ctx() ctx: GraphQLContext): Promise<IssuedApiKey> {
    const who = requireAuth(ctx.principal);
    const partnerId = who.role === 'ADMIN' ? null : requirePartner(who, 'account').partnerId;
    return issueKey(ctx.ds, { partnerId, name, scopes: validateScopes(scopes) });
  }

  @Mutation(() => ApiKey)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    const who = requireAuth(ctx.principal);
    if (who.role === 'PARTNER') requirePartner(who, 'account', false);
    return revokeKey(ctx.ds, who, id);
  }
}
