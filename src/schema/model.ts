import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type * as model from '../domain/model';

@ObjectType()
export class ModelClass implements model.ModelClass {
  @Field(() => Int) birads: number;
  @Field(() => Int, { description: 'The label index the denoiser is conditioned on.' }) index: number;
  @Field(() => Int, { description: 'Training images of this class.' }) trainCount: number;
}

@ObjectType({ description: 'A loaded model bundle: what it can make, within which ranges.' })
export class Model {
  @Field(() => ID) modelId: string;
  @Field() name: string;
  @Field() bundleHash: string;
  @Field(() => [ModelClass]) classes: ModelClass[];
  @Field(() => Int) defaultSteps: number;
  @Field(() => Int) minSteps: number;
  @Field(() => Int) maxSteps: number;
  @Field(() => Float) defaultGuidance: number;
  @Field(() => Float) minGuidance: number;
  @Field(() => Float) maxGuidance: number;
  @Field(() => Int) height: number;
  @Field(() => Int) width: number;
  @Field(() => GraphQLJSONObject, { description: "The model card's evaluation figures." }) evaluation: Record<string, unknown>;
  @Field(() => String, { nullable: true }) modelCard: string | null;
  @Field({ description: 'True for the tiny CPU-trained test fixture.' }) fixture: boolean;
}
