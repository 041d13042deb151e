import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An API key. The token itself is never shown again after issue.' })
export class ApiKey {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'The first characters of the token, to tell keys apart.' }) tokenPrefix: string;
  @Field(() => [String]) scopes: string[];
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
}

@ObjectType()
export class IssuedApiKey {
  @Field(() => ApiKey) key: ApiKey;
  @Field({ description: 'The bearer token. Shown this once; only its hash is stored.' }) secret: string;
}
