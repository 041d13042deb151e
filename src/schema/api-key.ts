import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Scope } from '../domain/partner';

registerEnumType(Scope, {
  name: 'Scope',
  description: 'What a partner API key may do. Admin keys may do everything, whatever scopes they list.',
  valuesConfig: {
    ACCOUNT: { description: 'See and manage the account: `me`, `usage`, the agreement, API keys. Works while the account is pending, too.' },
    ORDERS_READ: { description: 'Read orders, their images, certificates and progress; ask for quotes.' },
    ORDERS_WRITE: { description: 'Place and cancel orders.' },
    DOWNLOADS: { description: 'Create download links and download cohort archives.' },
  },
});

@ObjectType({ description: 'An API key. The token itself is never shown again after issue.' })
export class ApiKey {
  @Field(() => ID, { description: 'The key id (a UUID); revoke the key by it.' }) id: string;
  @Field({ description: 'The name given at issue (1 to 100 characters), to tell keys apart.' }) name: string;
  @Field(() => ID, { nullable: true, description: 'The member the key belongs to (Member.id); null for admin keys.' }) memberId: string | null;
  @Field({ description: 'The first 12 characters of the token ("sbk_" and 8 more), to recognise it in a config file.' }) tokenPrefix: string;
  @Field(() => [Scope], { description: "What the key was issued to do (admin keys: everything, whatever they list). It may use only those its member's role allows now." }) scopes: Scope[];
  @Field({ description: 'When the key was issued (ISO 8601, UTC).' }) createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'When the key was last used, to the minute (ISO 8601, UTC); null if never.' }) lastUsedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the key was revoked (ISO 8601, UTC); null while it works.' }) revokedAt: Date | null;
}

@ObjectType({ description: 'A newly issued API key and its token.' })
export class IssuedApiKey {
  @Field(() => ApiKey, { description: 'The key as listed by `apiKeys` from now on.' }) key: ApiKey;
  @Field({ description: 'The bearer token ("sbk_" + 43 characters). Shown this once; only its hash is stored.' }) secret: string;
}
