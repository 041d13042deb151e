import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiKey, IssuedApiKey } from '../schema/api-key';
import { issueKey, listKeys, revokeKey, validateScopes } from '../services/api-keys';
import type { Grant, Principal } from '../services/principal';
import { Caller } from './authorization';
import type { GraphQLContext } from './context';

@Resolver()
export class ApiKeyResolver {
  @Authorized<Grant>('ADMIN', 'account:any-status')
  @Query(() => [ApiKey], { description: "The caller's keys (admins: the admin keys)." })
  apiKeys(@Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    return listKeys(ctx.ds, who.partnerId);
  }

  @Authorized<Grant>('ADMIN', 'account')
  @Mutation(() => IssuedApiKey, { description: 'Issue a key. The secret is returned once. Partners need an approved account.' })
  async issueApiKey(@Arg('name') name: string, @Arg('scopes', () => [String]) scopes: string[], @Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<IssuedApiKey> {
    return issueKey(ctx.ds, { partnerId: who.partnerId, name, scopes: validateScopes(scopes) });
  }

  @Authorized<Grant>('ADMIN', 'account:any-status')
  @Mutation(() => ApiKey)
  revokeApiKey(@Arg('id', () => ID) id: string, @Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    return revokeKey(ctx.ds, who, id);
  }
}
