import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A version of the data-use agreement.' })
export class Agreement {
  @Field(() => Int) version: number;
  @Field() text: string;
  @Field() publishedAt: Date;
}

@ObjectType()
export class AgreementAcceptance {
  @Field(() => Int) agreementVersion: number;
  @Field() acceptedAt: Date;
  @Field(() => ID, { description: 'The API key that accepted.' }) apiKeyId: string;
}
