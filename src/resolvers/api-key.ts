import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Scope } from '../domain/partner';
import { ApiKey, IssuedApiKey } from '../schema/api-key';
import { listKeys, revokeKey, validateScopes } from '../services/api-keys';
import { issueKeyFor } from '../services/members';
import type { Grant, Principal } from '../services/principal';
import { Caller } from './authorization';
import type { GraphQLContext } from './context';

@Resolver()
export class ApiKeyResolver {
  @Authorized<Grant>('ADMIN', 'account:any-status')
  @Query(() => [ApiKey], { description: "Your organisation's keys, every member's (ApiKey.memberId says whose), revoked ones included, oldest first (admins: the admin keys). Needs the ACCOUNT scope (ADMIN members)." })
  apiKeys(@Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    return listKeys(ctx.ds, who.partnerId);
  }

  @Authorized<Grant>('ADMIN', 'account')
  @Mutation(() => IssuedApiKey, {
    description: "Issue a key for a member of your organisation (admins: an admin key). The secret is returned once. Partners need an approved account and the ACCOUNT scope; the scopes must be ones the member's role allows (else BAD_USER_INPUT SCOPE_BEYOND_ROLE).",
  })
  async issueApiKey(
    @Arg('name', { description: 'What the key is for, 1 to 100 characters (e.g. "training pipeline").' }) name: string,
    @Arg('scopes', () => [Scope], { description: "What the key may do; at least one scope (repeats are ignored), each allowed by the member's role." }) scopes: Scope[],
    @Arg('memberId', () => ID, { nullable: true, description: 'The member whose key it is (Member.id); omitted: your own. Admins omit it.' }) memberId: string | null,
    @Caller() who: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IssuedApiKey> {
    return issueKeyFor(ctx.ds, who, memberId, { name, scopes: validateScopes(scopes) });
  }

  @Authorized<Grant>('ADMIN', 'account:any-status')
  @Mutation(() => ApiKey, { description: 'Revoke a key at once. Revoking twice is harmless; a revoked key stays listed.' })
  async revokeApiKey(@Arg('id', () => ID, { description: "The key to revoke (ApiKey.id): one of your organisation's (admins: any)." }) id: string, @Caller() who: Principal, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    const key = await revokeKey(ctx.ds, who, id);
    ctx.accessChanged({ keyId: key.id });
    return key;
  }
}
