import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type * as model from '../domain/model';

@ObjectType({ description: 'A BI-RADS category a model was trained on and can generate.' })
export class ModelClass implements model.ModelClass {
  @Field(() => Int, { description: 'The BI-RADS assessment category, 0 to 6.' }) birads: number;
  @Field(() => Int, { description: 'The label index the denoiser is conditioned on.' }) index: number;
  @Field(() => Int, { description: 'Training images of this class.' }) trainCount: number;
}

@ObjectType({ description: 'A loaded model bundle: what it can make, within which ranges.' })
export class Model {
  @Field(() => ID, { description: "The model's id; orders name it as `modelId`." }) modelId: string;
  @Field({ description: 'A human-readable name.' }) name: string;
  @Field({ description: "SHA-256 (64 hex digits) of the bundle's manifest.json bytes; certificates and dataset cards quote it." }) bundleHash: string;
  @Field(() => [ModelClass], { description: 'The categories the model can generate, ascending BI-RADS.' }) classes: ModelClass[];
  @Field(() => Int, { description: 'Sampling (denoising) steps used when an order gives none.' }) defaultSteps: number;
  @Field(() => Int, { description: 'The fewest sampling steps an order may ask for.' }) minSteps: number;
  @Field(() => Int, { description: 'The most sampling steps an order may ask for.' }) maxSteps: number;
  @Field(() => Float, { description: 'Classifier-free guidance scale used when an order gives none.' }) defaultGuidance: number;
  @Field(() => Float, { description: 'The lowest guidance scale an order may ask for.' }) minGuidance: number;
  @Field(() => Float, { description: 'The highest guidance scale an order may ask for.' }) maxGuidance: number;
  @Field(() => Int, { description: 'Image height in pixels.' }) height: number;
  @Field(() => Int, { description: 'Image width in pixels.' }) width: number;
  @Field(() => GraphQLJSONObject, { description: "The model card's evaluation figures, as training wrote them." }) evaluation: Record<string, unknown>;
  @Field(() => String, { nullable: true, description: 'The model card (Markdown); null when the bundle has none.' }) modelCard: string | null;
  @Field({ description: 'True for the tiny CPU-trained test fixture (64×64 images): not for research use.' }) fixture: boolean;
}
