import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrderEventType, OrderStatus } from '../domain/order';
import { ClassCount } from './order';

registerEnumType(OrderEventType, { name: 'OrderEventType' });

@ObjectType({ description: 'The state of an order after an event; the first message is a SNAPSHOT.' })
export class OrderProgressEvent {
  @Field(() => OrderEventType) type: OrderEventType;
  @Field(() => ID) orderId: string;
  @Field(() => OrderStatus) status: OrderStatus;
  @Field(() => Int) size: number;
  @Field(() => Int) delivered: number;
  @Field(() => Int) rejected: number;
  @Field(() => [ClassCount]) deliveredByClass: ClassCount[];
  @Field(() => ID, { nullable: true, description: 'Set once the certificate is issued.' }) certificateId: string | null;
  @Field(() => String, { nullable: true }) failureReason: string | null;
  @Field(() => Int, { nullable: true }) index?: number | null;
  @Field(() => Int, { nullable: true }) birads?: number | null;
  @Field(() => Float, { nullable: true }) nnDistance?: number | null;
  @Field() at: string;
}
