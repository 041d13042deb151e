import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A version of the data-use agreement. A partner must accept the current version before ordering.' })
export class Agreement {
  @Field(() => Int, { description: 'Version number: 1 for the first, one more with each publication.' }) version: number;
  @Field({ description: 'The full agreement text (plain text, at least 20 characters).' }) text: string;
  @Field({ description: 'When this version was published (ISO 8601, UTC).' }) publishedAt: Date;
}

@ObjectType({ description: "A partner's acceptance of one version of the data-use agreement." })
export class AgreementAcceptance {
  @Field(() => Int, { description: 'The version accepted.' }) agreementVersion: number;
  @Field({ description: 'When it was accepted (ISO 8601, UTC).' }) acceptedAt: Date;
  @Field(() => ID, { description: 'The API key that accepted.' }) apiKeyId: string;
}
